"""A bounded HTTP load client in the standard library: `connections` threads,
each with one keep-alive connection (http.client reconnects when the server
closes it, as gunicorn's sync workers do after every response), sending GET
requests one after another until `seconds` have passed or `max_requests`
are sent. Every thread finishes its request and closes its connection
before the run ends, so no connection is left holding a server worker.

It runs in the same machine as the server and takes some of its CPU: its
figures are for comparing pages and server settings with each other, in the
same run, more than as absolute capacities.
"""

import http.client
import statistics
import threading
import time
from dataclasses import dataclass


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    # Filled in by the caller: CPU seconds the server used during the run.
    web_cpu: float = 0.0
    database_cpu: float = 0.0

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        """Milliseconds below which `fraction` of the requests finished."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    @property
    def p50(self) -> float:
        return self.percentile(0.50)

    @property
    def p99(self) -> float:
        return self.percentile(0.99)


def run(
    host: str,
    port: int,
    path: str,
    *,
    connections: int,
    seconds: float,
    headers: dict | None = None,
    max_requests: int = 1_000_000,
    expect_status: int = 200,
) -> Result:
    headers = {"Host": f"{host}:{port}", **(headers or {})}
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    budget = threading.Semaphore(max_requests)
    start = threading.Barrier(connections + 1)
    deadline = [0.0]

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        mine = latencies[index]
        start.wait()
        try:
            while time.perf_counter() < deadline[0] and budget.acquire(blocking=False):
                began = time.perf_counter()
                try:
                    connection.request("GET", path, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    if response.status != expect_status:
                        errors[index] += 1
                    if response.will_close:
                        connection.close()
                except (OSError, http.client.HTTPException):
                    errors[index] += 1
                    connection.close()
                    continue
                mine.append(time.perf_counter() - began)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(connections)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.perf_counter() - began
    every = [latency for mine in latencies for latency in mine]
    return Result(len(every), sum(errors), elapsed, every)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
