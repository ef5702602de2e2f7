from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.services import DEMO_PASSWORD, demo_is_loaded, demo_load, demo_resume, demo_source
from resources.exceptions import CatalogueError, ResourceImportError


class Command(BaseCommand):
    help = "Load demo content: the catalogue, resources, two paired schools, their people and a research group."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="load again even if demo content is there")
        parser.add_argument("--shared-dir", default=None, help="folder of the third-party data (default ../shared/data)")
        parser.add_argument("--allow-without-debug", action="store_true",
                            help="load even on production settings with DEBUG off (demo logins have a published password)")

    def handle(self, *args, force, shared_dir, allow_without_debug, **options):
        if not (settings.DEBUG or settings.KEXIANG_DEMO_CONTENT_ALLOWED or allow_without_debug):
            raise CommandError("示例数据含公开密码的账号，生产环境不加载 (production settings, DEBUG is off: demo logins "
                               "have a published password; pass --allow-without-debug on a throw-away machine).")
        source = demo_source(shared_dir)
        if demo_is_loaded() and not force:
            self.stdout.write("示例数据已加载，跳过 (demo content already loaded; --force to reload).")
            demo_resume(source=source, log=self.stdout.write)
            return
        where = f"{source.catalogue} (shared data)" if source.shared else "built-in demo set"
        self.stdout.write(f"加载示例数据 loading demo content from {where} …")
        try:
            demo_load(source=source, log=self.stdout.write)
        except (CatalogueError, ResourceImportError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"示例账号 demo logins: admin / liwei / zhangfang / wangjing, 密码 password {DEMO_PASSWORD}"))
