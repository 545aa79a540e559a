"""A real SMTP server for the auth tests (aiosmtpd): listens on 127.0.0.1, prints `PORT <n>` once
ready, and appends every message it receives to the JSON-lines file given as argv[1]."""
import asyncio
import email
import json
import socket
import sys

from aiosmtpd.controller import Controller

out_path = sys.argv[1]


class Sink:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content)
        body = msg.get_payload(decode=True).decode(msg.get_content_charset() or "utf-8")
        with open(out_path, "a") as f:
            f.write(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos, "subject": msg["Subject"], "body": body}) + "\n")
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


port = free_port()
controller = Controller(Sink(), hostname="127.0.0.1", port=port)
controller.start()
print(f"PORT {port}", flush=True)
try:
    asyncio.get_event_loop().run_forever()
finally:
    controller.stop()
