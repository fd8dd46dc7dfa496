#!/usr/bin/env python3
"""A minimal external.metrics.k8s.io server for the cluster smoke test.

It proves the aggregation layer end to end: kube-apiserver reaches it through an
APIService backed by an ExternalName Service (127.0.0.1), authenticates with the
front-proxy client certificate (required here, verified against the front-proxy
CA), and the real HPA controller reads one metric from it.

Serves, over HTTPS on 127.0.0.1:PORT:
  GET /apis/external.metrics.k8s.io/v1beta1          -> APIResourceList (discovery)
  GET /apis/external.metrics.k8s.io/v1beta1/namespaces/NS/METRIC
                                                     -> ExternalMetricValueList
The metric's value is read from VALUE_FILE on every request, so a test changes it
by rewriting that file. Every request's X-Remote-User is appended to the log.

usage: external_metrics_stub.py PORT CERT KEY CLIENT_CA VALUE_FILE
"""

import datetime
import http.server
import json
import ssl
import sys

GROUP_VERSION = "external.metrics.k8s.io/v1beta1"
PREFIX = "/apis/" + GROUP_VERSION


class Handler(http.server.BaseHTTPRequestHandler):
    value_file = ""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0].rstrip("/")
        user = self.headers.get("X-Remote-User", "-")
        sys.stderr.write(f"request {path} user={user}\n")
        if path == PREFIX:
            self.reply(200, {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": GROUP_VERSION,
                # Only `get`: the namespace controller then never tries deletecollection.
                "resources": [{"name": "externalmetrics", "singularName": "", "namespaced": True,
                               "kind": "ExternalMetricValueList", "verbs": ["get"]}],
            })
            return
        parts = path[len(PREFIX):].strip("/").split("/")
        if path.startswith(PREFIX + "/") and len(parts) == 3 and parts[0] == "namespaces":
            with open(self.value_file, encoding="utf-8") as f:
                value = f.read().strip()
            now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.reply(200, {
                "kind": "ExternalMetricValueList",
                "apiVersion": GROUP_VERSION,
                "metadata": {},
                "items": [{"metricName": parts[2], "metricLabels": {}, "timestamp": now,
                           "value": value}],
            })
            return
        self.reply(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                         "reason": "NotFound", "code": 404, "message": f"{path} not served"})

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main():
    port, cert, key, client_ca, value_file = sys.argv[1:6]
    Handler.value_file = value_file
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.load_verify_locations(client_ca)
    context.verify_mode = ssl.CERT_REQUIRED
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
