"""The muxing session of one live lesson: one FFmpeg turning the stream nginx receives into the live HLS ladder.

The split follows PeerTube's live: the ingest is nginx's RTMP module (it asks the app who may publish,
live/views.py, and renames the stream `lesson-<id>`); this session is the one FFmpeg per live lesson; the
replay (live/replay.py) hands nginx's recording to the ordinary VOD pipeline once the broadcast is over.

nginx starts this for each published stream (`exec_push`, deploy/nginx/kexiang-rtmp.conf, through
scripts/live_mux.sh) and ends it with SIGTERM when publishing stops. It runs as nginx's user with an empty
environment, so it needs no Django settings and no database: it reads the stream back from nginx on
loopback, writes `<live root>/<id>/` (master.m3u8 and one folder per rung) and tells the app what it found
or what went wrong through a hook (POST /live/hooks/mux), which the app records and the page shows.

    python -m live.muxer --input rtmp://127.0.0.1:1935/live --out var/live --report http://127.0.0.1:8000/live/hooks/mux lesson-7
"""
import argparse
import json
import logging
import re
import signal
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from media_pipeline import ffmpeg as media_ffmpeg
from media_pipeline.exceptions import MediaError
from media_pipeline.ladder import RUNGS

log = logging.getLogger("live.muxer")

SEGMENT_SECONDS = 2  # KEXIANG_LIVE_SEGMENT_SECONDS; this process has no settings
PROBE_ATTEMPTS = 5
READY_SEGMENTS = 3  # listed before viewers are sent to the ladder (three target durations behind the edge)
MASTER_PLAYLIST, MEDIA_PLAYLIST = "master.m3u8", "index.m3u8"
_NAME = re.compile(r"^lesson-(\d+)$")
# The codecs the master playlist announces: the rungs' x264 profiles at level 3.0/3.1, mono AAC-LC.
_AVC = {"baseline": "avc1.42e01e", "main": "avc1.4d401f", "high": "avc1.64001f"}


def live_rungs(info):
    """The VOD ladder's low rungs, for weak networks: sound only, 240p, 360p where the picture has 360 lines,
    and one higher rung where the source allows (720p, else 540p). Never upscaled."""
    by_name = {rung.name: rung for rung in RUNGS}
    chosen = [by_name["audio"]] if info.has_audio else []
    if info.has_video:
        chosen.append(by_name["240p"])
        fitting = [by_name[name] for name in ("360p", "540p", "720p") if by_name[name].lines <= info.short_side]
        chosen += fitting[:1]
        if len(fitting) > 1:
            chosen.append(fitting[-1])
    return chosen


def write_master(folder, info, rungs):
    """The master playlist, lowest bandwidth first (players start on the cheapest rung)."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for rung in sorted(rungs, key=lambda r: (r.maxrate_k or 0) + r.audio_k):
        bandwidth = int(((rung.maxrate_k or 0) + rung.audio_k) * 1000 * 1.1)
        attributes = [f"BANDWIDTH={bandwidth}"]
        if rung.lines and info.has_video:
            width, height = media_ffmpeg.rung_size(info, rung)
            fps = float(media_ffmpeg.rung_fps(info, rung))
            attributes += [f'CODECS="{_AVC[rung.profile]},mp4a.40.2"', f"RESOLUTION={width}x{height}",
                           f"FRAME-RATE={fps:.3f}"]
        else:
            attributes.append('CODECS="mp4a.40.2"')
        lines += [f"#EXT-X-STREAM-INF:{','.join(attributes)}", f"{rung.name}/{MEDIA_PLAYLIST}"]
    path = Path(folder) / MASTER_PLAYLIST
    temporary = path.with_name(".master.m3u8.tmp")
    temporary.write_text("\n".join(lines) + "\n")
    temporary.replace(path)


class Session:
    """One stream of one lesson, from its first bytes until nginx ends it (or FFmpeg fails)."""

    def __init__(self, *, source, out, report, name):
        match = _NAME.match(name)
        if not match:
            raise SystemExit(f"live.muxer: {name!r} is not a lesson's stream (nginx renames it lesson-<id>)")
        self.lesson = int(match.group(1))
        self.name = name
        self.url = f"{source.rstrip('/')}/{name}"
        self.folder = Path(out) / str(self.lesson)
        self.report_url = report
        self.process = None
        self.stopping = False

    def report(self, event, **detail):
        """Tell the app (best effort: the broadcast goes on whatever it answers)."""
        log.info("lesson %s: %s %s", self.lesson, event, detail)
        if not self.report_url:
            return
        body = urllib.parse.urlencode({"name": self.name, "event": event, "detail": json.dumps(detail)}).encode()
        try:
            urllib.request.urlopen(self.report_url, data=body, timeout=10).close()
        except OSError as exc:
            log.warning("lesson %s: the app did not take the report %s: %s", self.lesson, event, exc)

    def wait_until_playable(self, rungs, segments=READY_SEGMENTS):
        """Say "ready" once the lowest rung lists `segments` segments: a player that joins earlier (Chromium's
        own HLS, for one) has no room behind the live edge and gives up."""
        playlist = self.folder / rungs[min(1, len(rungs) - 1)].name / MEDIA_PLAYLIST
        while self.process.poll() is None:
            try:
                listed = playlist.read_text().count("#EXTINF")
            except OSError:
                listed = 0
            if listed >= segments:
                self.report("ready", segments=listed)
                return
            time.sleep(0.25)

    def stop(self, *_args):
        self.stopping = True
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # FFmpeg finishes its segments and playlists

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        log.info("lesson %s: session starts for %s", self.lesson, self.name)
        for attempt in range(PROBE_ATTEMPTS):  # the stream may not have reached this worker of nginx yet
            time.sleep(0.5)
            try:
                info = media_ffmpeg.probe_live(self.url)
                break
            except MediaError as exc:
                if self.stopping:
                    return 0
                log.info("lesson %s: probe %d: %s", self.lesson, attempt + 1, exc)
                if attempt == PROBE_ATTEMPTS - 1:
                    self.report("failed", reason=type(exc).__name__, message=str(exc)[:300])
                    return 1
        rungs = live_rungs(info)
        self.folder.mkdir(parents=True, exist_ok=True)
        write_master(self.folder, info, rungs)
        self.report("started", width=info.width, height=info.height, video_codec=info.video_codec,
                    audio_codec=info.audio_codec, has_audio=info.has_audio, has_video=info.has_video,
                    rungs=[rung.name for rung in rungs])
        command = media_ffmpeg.live_ladder_command(self.url, self.folder, info, rungs, segment=SEGMENT_SECONDS)
        log.info("ffmpeg %s", " ".join(command.get_args()))
        started = time.monotonic()
        self.process = command.run_async(cmd="ffmpeg", pipe_stderr=True)
        if self.stopping:  # nginx ended the stream while FFmpeg was starting
            self.stop()
        threading.Thread(target=self.wait_until_playable, args=(rungs,), daemon=True).start()
        errors = self.process.stderr.read().decode(errors="replace").strip().splitlines()
        code = self.process.wait()
        if code != 0 and not self.stopping:
            self.report("failed", reason="ffmpeg", message=(errors or [f"exit {code}"])[-1][:300],
                        seconds=round(time.monotonic() - started, 1))
            return 1
        self.report("stopped", seconds=round(time.monotonic() - started, 1))
        return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", required=True, help="nginx's live application, e.g. rtmp://127.0.0.1:1935/live")
    parser.add_argument("--out", required=True, help="KEXIANG_LIVE_ROOT")
    parser.add_argument("--report", default="", help="the app's /live/hooks/mux URL")
    parser.add_argument("--log", default="", help="append the log to this file (nginx discards its children's output)")
    parser.add_argument("name", help="the stream's name, lesson-<id>")
    args = parser.parse_args(argv)
    where = {"filename": args.log} if args.log else {"stream": sys.stderr}
    logging.basicConfig(level=logging.INFO, format="%(asctime)s live.muxer[%(process)d] %(message)s", **where)
    return Session(source=args.input, out=args.out, report=args.report, name=args.name).run()


if __name__ == "__main__":
    sys.exit(main())
