# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.
"""Prometheus and its Pushgateway (Debian packages), on loopback.
"""

import os

from .common import HOST
from .common import path
from .common import write_file
from .component import Component
from .process import HttpDaemon


class Prometheus(Component):
    """Prometheus and its Pushgateway (Debian packages), the metric store
    of Aodh's `prometheus` alarms (OS::Aodh::PrometheusAlarm).

    Tests push their samples to the Pushgateway, which Prometheus scrapes
    every second (a cloud scrapes its telemetry, e.g. Ceilometer's
    exporter, instead; the series' names and labels are its own). The
    catalog's `metric-storage` endpoint (where a cloud runs Aetos, the
    Keystone-aware proxy) is Prometheus itself: Aodh's evaluator finds it
    there, and its queries pass through unauthenticated.
    """

    name = "prometheus"
    apt_packages = {"prometheus": "/usr/bin/prometheus",
                    "prometheus-pushgateway":
                        "/usr/bin/prometheus-pushgateway"}
    requires = ["keystone"]
    port = 9090
    pushgateway_port = 9091
    scrape_interval = 1  # s: a pushed sample is queryable within ~1 s
    catalog = [("metric-storage", "prometheus", f"http://{HOST}:{port}")]

    def __init__(self):
        super().__init__()
        self.pushgateway = HttpDaemon(
            "pushgateway", self.pushgateway_port,
            self.apt_packages["prometheus-pushgateway"],
            [f"--web.listen-address={HOST}:{self.pushgateway_port}"],
            "/-/ready")
        self.server = HttpDaemon(
            "prometheus", self.port, self.apt_packages["prometheus"],
            [f"--config.file={path('etc', 'prometheus', 'prometheus.yml')}",
             f"--storage.tsdb.path={path('data', 'prometheus', 'tsdb')}",
             "--storage.tsdb.retention.time=1d",
             f"--web.listen-address={HOST}:{self.port}"],
            "/-/ready")
        self.procs = [self.pushgateway, self.server]

    def spec(self):
        return [*super().spec(), self.scrape_interval,
                self.pushgateway_port]

    def configure(self):
        super().configure()
        os.makedirs(path("data", "prometheus", "tsdb"), exist_ok=True)
        write_file(path("etc", "prometheus", "prometheus.yml"), f"""\
# Written by tools/minicloud/minicloud.py; rewritten on every `up`.
global:
  scrape_interval: {self.scrape_interval}s
  scrape_timeout: {self.scrape_interval}s
  evaluation_interval: 15s
scrape_configs:
  # Tests push their samples here; honor_labels keeps the pushed job and
  # labels (project, resource, server_group...).
  - job_name: pushgateway
    honor_labels: true
    static_configs:
      - targets: ['{HOST}:{self.pushgateway_port}']
""")

    def bootstrap(self):
        pass  # no database: Prometheus keeps its own TSDB in data/

    def cloud_data(self):
        data = super().cloud_data()
        data["prometheus"] = {
            "url": self.server.url,
            "pushgateway": self.pushgateway.url,
            "scrape_interval": self.scrape_interval,
            "project_label": "project"}
        return data
