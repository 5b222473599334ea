"""Ask an X window to close the way a window manager's close button does: a
WM_DELETE_WINDOW client message. Xvfb runs no window manager, and xdotool's
windowclose destroys the window instead of asking. Usage: close_window.py ID"""

import sys

from Xlib import X, display, protocol

screen = display.Display()
window = screen.create_resource_object("window", int(sys.argv[1]))
request = protocol.event.ClientMessage(
    window=window,
    client_type=screen.intern_atom("WM_PROTOCOLS"),
    data=(32, [screen.intern_atom("WM_DELETE_WINDOW"), X.CurrentTime, 0, 0, 0]),
)
window.send_event(request, event_mask=X.NoEventMask)
screen.flush()
