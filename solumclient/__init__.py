"""Python bindings and OpenStackClient plugin for Solum's v1 API."""
