"""The sample app Solum's quickstart deploys."""

import os
import socket

from flask import Flask

app = Flask(__name__)


@app.route('/')
def hello():
    greeting = os.environ.get('GREETING', 'Hello from Solum')
    return '%s! (served by %s)\n' % (greeting, socket.gethostname())


@app.route('/healthz')
def healthz():
    return 'ok\n'
