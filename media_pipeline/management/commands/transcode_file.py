import logging
import sys

from django.core.management.base import BaseCommand, CommandError

from media_pipeline.exceptions import MediaError
from media_pipeline.pipeline import transcode


class Command(BaseCommand):
    help = (
        "Run the media pipeline on one file without the database: writes OUTDIR/master.m3u8, the renditions, "
        "the posters and the storyboard. Exits non-zero with one line on bad input."
    )

    def add_arguments(self, parser):
        parser.add_argument("src")
        parser.add_argument("outdir")

    def handle(self, *args, src, outdir, **options):
        last = [-1]

        def progress(fraction):
            percent = int(fraction * 100)
            if percent >= last[0] + 10 or percent == 100:
                last[0] = percent
                self.stderr.write(f"{percent}%")

        logging.getLogger("media_pipeline").setLevel(logging.INFO if options["verbosity"] >= 2 else logging.WARNING)
        try:
            result = transcode(src, outdir, on_progress=progress if options["verbosity"] >= 1 else None)
        except FileNotFoundError as exc:
            raise CommandError(f"{exc.filename or src}: no such file or folder") from exc
        except MediaError as exc:
            raise CommandError(f"{src}: {exc.user_message} ({exc.detail})") from exc
        except OSError as exc:
            raise CommandError(f"{outdir}: {exc.strerror or exc}") from exc
        for variant in result.variants:
            size = f" {variant.width}x{variant.height}@{variant.frame_rate:g}" if variant.width else ""
            self.stdout.write(
                f"{variant.name}{size} avg {variant.average_bandwidth // 1000} kbit/s, peak {variant.bandwidth // 1000} kbit/s"
            )
        self.stdout.write(str(result.master))
        sys.stdout.flush()
