"""WSGI applications for web servers to import (uWSGI ``module``)."""
