# Configuration of the lab's Jupyter Notebook server (passed with --config by server.ts).
#
# Kernel websockets without Nagle's algorithm: Notebook 6 never calls set_nodelay on them, so
# the small messages that end a cell (output, execute_reply, status idle) wait for the
# browser's or client's delayed ACK, about 40 ms per cell. Tornado allows set_nodelay in open().
from notebook.base.zmqhandlers import WebSocketMixin

_open_with_nagle = WebSocketMixin.open


def _open_without_nagle(self, *args, **kwargs):
    self.set_nodelay(True)
    return _open_with_nagle(self, *args, **kwargs)


WebSocketMixin.open = _open_without_nagle
