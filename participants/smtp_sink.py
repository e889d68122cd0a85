"""A counting SMTP sink for the reminder benchmark (``make bench``): a real
SMTP server (aiosmtpd) on 127.0.0.1 that accepts every message, counts it and
throws it away. Run in its own process so it does not share the sender's CPU.
No Django here: the benchmark starts it with multiprocessing's "spawn"."""

import time


class CountingHandler:
    def __init__(self, counter):
        self.counter = counter

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        with self.counter.get_lock():
            self.counter.value += 1
        return "250 Message accepted"


def serve(port: int, counter, ready, stop) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(CountingHandler(counter), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        while not stop.wait(0.2):
            pass
    finally:
        controller.stop()
        time.sleep(0.05)
