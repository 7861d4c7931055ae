"""Serve the MDM provider simulator: `python -m app.simulators.mdm --port 8101`."""

import argparse
import os

import uvicorn

from app.seed import DEFAULT_DEVICES
from app.simulators.mdm.app import DEFAULT_PASSWORD, DEFAULT_USERNAME, create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument(
        "--devices", type=int, default=int(os.environ.get("SEED_DEVICES", DEFAULT_DEVICES))
    )
    parser.add_argument("--username", default=os.environ.get("MDM_USERNAME", DEFAULT_USERNAME))
    parser.add_argument("--password", default=os.environ.get("MDM_PASSWORD", DEFAULT_PASSWORD))
    args = parser.parse_args()
    app = create_app(args.devices, username=args.username, password=args.password, preload=True)
    uvicorn.run(app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
