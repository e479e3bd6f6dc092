"""A real Neo4j Community server assembled from Maven Central and run with plain Java.

The first start resolves `org.neo4j:neo4j` and the Neo4j Browser jar with Maven into a cache
folder; later starts reuse it. Each instance (development, tests) has its own folder with a
generated `neo4j.conf`, data and logs, and listens on loopback only.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from app.errors import LocalServiceError
from app.localservices.process import (
    ManagedProcess,
    port_open,
    wait_for_port,
    wait_until_ready,
)

POM_RESOURCE = "neo4j-pom.xml"
MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"
#: `neo4j-admin`: the same jars hold it (neo4j-command-line, and dump/load in neo4j-dbms).
ADMIN_CLASS = "org.neo4j.cli.AdminTool"
#: A short-lived tool: the client compiler and the serial collector start it fastest.
ADMIN_JVM_FLAGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dfile.encoding=UTF-8")
#: Progress lines of dump and load, left out of error messages.
_PROGRESS = re.compile(r"^(Files: \d+/\d+, data: |\s*$)")
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-UsePerfData",
    "-XX:+ExitOnOutOfMemoryError",
    "-Dfile.encoding=UTF-8",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
)


def _pom_text() -> str:
    return resources.files("app.localservices").joinpath(POM_RESOURCE).read_text()


def pom_versions() -> tuple[str, str]:
    """(Neo4j version, Browser version) pinned in the pom."""
    text = _pom_text()
    server = re.search(r"<neo4j.version>([^<]+)<", text)
    browser = re.search(r"<neo4j.browser.version>([^<]+)<", text)
    assert server and browser, "neo4j-pom.xml lost its version properties"
    return server.group(1), browser.group(1)


def java_executable() -> str:
    """The `java` to use (JAVA_HOME first), or one clear error line."""
    java_home = os.environ.get("JAVA_HOME")
    candidate = Path(java_home, "bin", "java") if java_home else None
    java = str(candidate) if candidate and candidate.exists() else shutil.which("java")
    if java is None:
        raise LocalServiceError(
            "Java 17 or newer is required for the local Neo4j: install a JDK/JRE "
            "(e.g. openjdk-17-jre-headless) or set JAVA_HOME, or point NEO4J_URI at a server."
        )
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)', out.stderr + out.stdout)
    if match is None or int(match.group(1)) < 17:
        raise LocalServiceError(
            f"Java 17 or newer is required for the local Neo4j; {java} reports: "
            f"{(out.stderr or out.stdout).splitlines()[0] if (out.stderr or out.stdout) else '?'}"
        )
    return java


@dataclass(frozen=True)
class Neo4jDistribution:
    """The server's jars, resolved once from Maven Central into `cache_dir/lib-<version>`."""

    cache_dir: Path

    @property
    def lib_dir(self) -> Path:
        server, browser = pom_versions()
        return self.cache_dir / f"lib-{server}-browser-{browser}"

    def is_ready(self) -> bool:
        return (self.lib_dir / ".complete").exists()

    def ensure(self) -> Path:
        """Download on the first call (about 140 MB), then return the cached folder."""
        if self.is_ready():
            return self.lib_dir
        mvn = shutil.which("mvn")
        if mvn is None:
            raise LocalServiceError(
                "Maven (mvn) is required once to fetch Neo4j from Maven Central: install it "
                "(e.g. apt-get install maven), or point NEO4J_URI at an existing server."
            )
        java_executable()
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        pom = self.cache_dir / "pom.xml"
        pom.write_text(_pom_text())
        staging = self.cache_dir / "lib.partial"
        shutil.rmtree(staging, ignore_errors=True)
        cmd = [
            mvn,
            "-q",
            "-B",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}",
            "-DincludeScope=runtime",
        ]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise LocalServiceError(
                "Fetching Neo4j from Maven Central failed:\n"
                + (result.stdout + result.stderr)[-2000:]
            )
        (staging / ".complete").write_text(" ".join(pom_versions()))
        shutil.rmtree(self.lib_dir, ignore_errors=True)
        staging.rename(self.lib_dir)
        return self.lib_dir


@dataclass(frozen=True)
class LocalNeo4j:
    """One loopback Neo4j instance with its own folder, ports and memory budget."""

    distribution: Neo4jDistribution
    instance_dir: Path
    bolt_port: int = 7687
    http_port: int = 7474
    heap: str = "768m"
    pagecache: str = "256m"
    host: str = "127.0.0.1"

    @property
    def process(self) -> ManagedProcess:
        return ManagedProcess(
            name="Neo4j",
            pid_file=self.instance_dir / "run" / "neo4j.pid",
            log_file=self.instance_dir / "logs" / "console.log",
        )

    @property
    def bolt_uri(self) -> str:
        return f"bolt://{self.host}:{self.bolt_port}"

    @property
    def browser_url(self) -> str:
        return f"http://{self.host}:{self.http_port}/browser/"

    def config_text(self) -> str:
        d = self.instance_dir
        return "\n".join(
            [
                f"server.default_listen_address={self.host}",
                f"server.bolt.listen_address={self.host}:{self.bolt_port}",
                f"server.http.listen_address={self.host}:{self.http_port}",
                "server.https.enabled=false",
                # Loopback only: on Community every Browser user would be an admin anyway.
                "dbms.security.auth_enabled=false",
                f"server.memory.heap.initial_size={self.heap}",
                f"server.memory.heap.max_size={self.heap}",
                f"server.memory.pagecache.size={self.pagecache}",
                # Deleted personal data must not linger in old transaction logs.
                "db.tx_log.rotation.retention_policy=false",
                "db.tx_log.rotation.size=32M",
                "db.logs.query.enabled=OFF",
                "dbms.usage_report.enabled=false",
                f"server.directories.data={d / 'data'}",
                f"server.directories.logs={d / 'logs'}",
                f"server.directories.run={d / 'run'}",
                f"server.directories.plugins={d / 'plugins'}",
                f"server.directories.import={d / 'import'}",
                "",
            ]
        )

    def status(self) -> str:
        pid = self.process.pid()
        if pid is None:
            return "stopped"
        return f"running (pid {pid}) bolt {self.bolt_uri}, browser {self.browser_url}"

    def is_running(self) -> bool:
        return self.process.pid() is not None

    def _prepare(self) -> tuple[Path, str]:
        """(jar folder, java): the instance's folders and its neo4j.conf written."""
        lib = self.distribution.ensure()
        java = java_executable()
        for sub in ("conf", "data", "logs", "run", "plugins", "import"):
            (self.instance_dir / sub).mkdir(parents=True, exist_ok=True)
        (self.instance_dir / "conf" / "neo4j.conf").write_text(self.config_text())
        return lib, java

    def start(self, timeout: float = 180.0) -> None:
        """Start (or adopt a running instance) and return once Bolt answers a query."""
        if (running := self.process.pid()) is not None:
            wait_until_ready(self.process, running, self._answers, timeout, "answer on Bolt")
            return
        if port_open(self.host, self.bolt_port):
            raise LocalServiceError(
                f"port {self.bolt_port} is taken by another process; stop it or set NEO4J_URI"
            )
        lib, java = self._prepare()
        classpath = os.pathsep.join(
            [f"{self.instance_dir / 'plugins'}/*", f"{self.instance_dir / 'conf'}/*", f"{lib}/*"]
        )
        argv = [
            java,
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            *JVM_FLAGS,
            # Pauses of the JVM, with wall-clock times, to set beside latency outliers.
            f"-Xlog:gc:file={self.instance_dir / 'logs' / 'gc.log'}:time,uptime:filecount=3,"
            "filesize=10m",
            "-cp",
            classpath,
            MAIN_CLASS,
            f"--home-dir={self.instance_dir}",
            f"--config-dir={self.instance_dir / 'conf'}",
            "--console-mode",
        ]
        pid = self.process.start(argv, cwd=self.instance_dir)
        wait_for_port(self.process, pid, self.host, self.bolt_port, timeout)
        wait_until_ready(self.process, pid, self._answers, timeout, "answer on Bolt")

    def _answers(self) -> bool:
        """Whether Bolt answers a query (the port opens before the database is up)."""
        from neo4j import GraphDatabase
        from neo4j.exceptions import ServiceUnavailable, SessionExpired

        try:
            with GraphDatabase.driver(self.bolt_uri, auth=None) as driver:
                records, _, _ = driver.execute_query("RETURN 1 AS ok")
                return bool(records[0]["ok"] == 1)
        except (ServiceUnavailable, SessionExpired, OSError):
            return False

    def stop(self, timeout: float = 90.0) -> bool:
        return self.process.stop(timeout)

    def admin(self, *args: str, timeout: float = 3600.0) -> str:
        """Run `neo4j-admin ARGS` against this instance (its neo4j.conf, its data folder) with
        the server's own jars; its output, or a LocalServiceError with the end of it."""
        lib, java = self._prepare()
        missing = [
            pattern
            for pattern in ("neo4j-command-line-*.jar", "neo4j-dbms-*.jar")
            if not any(lib.glob(pattern))
        ]
        if missing:
            raise LocalServiceError(
                f"the Neo4j jars in {lib} lack the admin tool ({', '.join(missing)}); "
                "delete the folder and run `cdp services fetch` again"
            )
        env = {
            **os.environ,
            "NEO4J_HOME": str(self.instance_dir),
            "NEO4J_CONF": str(self.instance_dir / "conf"),
        }
        argv = [
            java,
            f"-Xmx{self.heap}",
            *ADMIN_JVM_FLAGS,
            "-cp",
            f"{self.instance_dir / 'plugins'}/*{os.pathsep}{lib}/*",
            ADMIN_CLASS,
            *args,
        ]
        try:
            done = subprocess.run(
                argv,
                cwd=self.instance_dir,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise LocalServiceError(
                f"neo4j-admin {' '.join(args[:2])} did not finish within {timeout:.0f}s"
            ) from exc
        output = "\n".join(
            line for line in (done.stdout + done.stderr).splitlines() if not _PROGRESS.match(line)
        )
        if done.returncode != 0:
            raise LocalServiceError(
                f"neo4j-admin {' '.join(args[:2])} failed (exit {done.returncode}):\n"
                + output[-2000:]
            )
        return output

    def dump(self, database: str, to_dir: Path) -> Path:
        """An offline dump of one database into `to_dir/<database>.dump`. The server must be
        stopped: Community dumps only a database that no server has open."""
        if self.is_running():
            raise LocalServiceError("stop Neo4j before dumping a database (Community is offline)")
        to_dir.mkdir(parents=True, exist_ok=True)
        self.admin("database", "dump", database, f"--to-path={to_dir}")
        return to_dir / f"{database}.dump"

    def load(self, database: str, from_dir: Path) -> None:
        """Replace one database with `from_dir/<database>.dump`, the server stopped."""
        if self.is_running():
            raise LocalServiceError("stop Neo4j before loading a database (Community is offline)")
        self.admin(
            "database",
            "load",
            database,
            f"--from-path={from_dir}",
            "--overwrite-destination=true",
        )
