"""A local SMTP server for the demo that writes each message to a folder as an .eml file,
so every email can be read without sending anything to the internet."""

import logging
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class FolderSink:
    def __init__(self, directory: Path):
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.count += 1
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{self.count:05d}.eml"
        (self.directory / name).write_bytes(envelope.original_content)
        return "250 Message accepted for delivery"


def serve(directory: Path, port: int) -> None:
    # aiosmtpd logs every envelope address at INFO; addresses are personal data.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(FolderSink(directory), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()
