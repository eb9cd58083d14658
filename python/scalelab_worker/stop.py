"""When to stop: SIGTERM or SIGINT, or the coordinator's stdin lifeline reaching end of file."""
import os
import signal
import threading
from collections.abc import Mapping

LIFELINE_VARIABLE = "SCALELAB_STDIN_LIFELINE"


class StopRequest:
    """Set once the trainer should checkpoint and exit. Install it from the main thread."""

    def __init__(self) -> None:
        self._event = threading.Event()

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def request(self, *_: object) -> None:
        self._event.set()

    def install(self, environment: Mapping[str, str] = os.environ) -> "StopRequest":
        signal.signal(signal.SIGTERM, self.request)
        signal.signal(signal.SIGINT, self.request)
        if environment.get(LIFELINE_VARIABLE) == "1":
            threading.Thread(target=self._watch_lifeline, daemon=True).start()
        return self

    def _watch_lifeline(self) -> None:
        # The coordinator holds our stdin open; end of file means it died, even by SIGKILL.
        # os.read, not sys.stdin: a daemon thread holding the buffered reader's lock aborts shutdown.
        while os.read(0, 4096):
            pass
        self._event.set()
