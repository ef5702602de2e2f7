import contextlib
import json
import logging
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core import media_storage
from media_pipeline import publishing
from media_pipeline.exceptions import MediaError
from media_pipeline.pipeline import transcode

NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


class Command(BaseCommand):
    help = (
        "Run the media pipeline on one file without the database: writes OUTDIR/master.m3u8, the renditions, "
        "the posters and the storyboard. With --to-storage SRC NAME, publishes the ladder into the media storage "
        "(MEDIA_ROOT, or the bucket with KEXIANG_MEDIA_STORAGE=s3) under hls/NAME/ as a worker does: built in a "
        "scratch folder and copied, the master playlist last. Exits non-zero with one line on bad input."
    )

    def add_arguments(self, parser):
        parser.add_argument("src")
        parser.add_argument("outdir", help="a folder; with --to-storage, the NAME under hls/ in the media storage")
        parser.add_argument("--to-storage", action="store_true", help="publish into the media storage as hls/NAME/")
        parser.add_argument("--json", action="store_true",
                            help="print one JSON line: seconds, first_playable_seconds, bytes_published, storage")

    def handle(self, *args, src, outdir, **options):
        last = [-1]

        def progress(fraction):
            percent = int(fraction * 100)
            if percent >= last[0] + 10 or percent == 100:
                last[0] = percent
                self.stderr.write(f"{percent}%")

        logging.getLogger("media_pipeline").setLevel(logging.INFO if options["verbosity"] >= 2 else logging.WARNING)
        started = time.monotonic()
        first_playable = []
        publisher = None
        target = outdir
        cleanup = contextlib.ExitStack()
        if options["to_storage"]:
            if not outdir or set(outdir) - NAME_CHARS or outdir.startswith("."):
                raise CommandError(f"{outdir!r}: a NAME is letters, digits, '-', '_' and '.'")
            target = f"hls/{outdir}"
            storage = media_storage.media_storage()
            root = media_storage.local_root(storage)
            if root is not None:
                folder = root / target
            else:
                folder = cleanup.enter_context(publishing.scratch_folder("transcode")) / "ladder"
                publisher = publishing.Publisher(folder, target)
        else:
            folder = Path(outdir)

        def publish():
            if publisher is not None:
                publisher()
            if not first_playable:
                first_playable.append(time.monotonic() - started)

        with cleanup:  # the scratch folder goes whatever happens
            try:
                result = transcode(src, folder, on_progress=progress if options["verbosity"] >= 1 else None,
                                   publish=publish)
            except FileNotFoundError as exc:
                raise CommandError(f"{exc.filename or src}: no such file or folder") from exc
            except MediaError as exc:
                raise CommandError(f"{src}: {exc.user_message} ({exc.detail})") from exc
            except media_storage.StorageUnavailable as exc:
                raise CommandError(f"media storage: {exc}") from exc
            except OSError as exc:
                raise CommandError(f"{outdir}: {exc.strerror or exc}") from exc
        seconds = time.monotonic() - started
        if options["json"]:
            published = publisher.bytes_sent if publisher else sum(
                p.stat().st_size for p in folder.rglob("*") if p.is_file())
            self.stdout.write(json.dumps({
                "seconds": round(seconds, 3), "first_playable_seconds": round(first_playable[0], 3),
                "bytes_published": published, "variants": [v.name for v in result.variants],
                "storage": "local" if publisher is None else "s3",
                "master": f"{target}/master.m3u8" if options["to_storage"] else str(result.master)}))
            return
        for variant in result.variants:
            size = f" {variant.width}x{variant.height}@{variant.frame_rate:g}" if variant.width else ""
            self.stdout.write(
                f"{variant.name}{size} avg {variant.average_bandwidth // 1000} kbit/s, peak {variant.bandwidth // 1000} kbit/s"
            )
        self.stdout.write(f"{target}/master.m3u8" if options["to_storage"] else str(result.master))
        sys.stdout.flush()
