"""Serve the inventory simulator: `python -m app.simulators.inventory --port 8102`."""

import argparse
import os

import uvicorn

from app.seed import DEFAULT_DEVICES
from app.simulators.inventory.app import DEFAULT_TOKEN, create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument(
        "--devices", type=int, default=int(os.environ.get("SEED_DEVICES", DEFAULT_DEVICES))
    )
    parser.add_argument("--token", default=os.environ.get("INVENTORY_SIM_TOKEN", DEFAULT_TOKEN))
    args = parser.parse_args()
    app = create_app(args.devices, token=args.token, preload=True)
    uvicorn.run(app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
