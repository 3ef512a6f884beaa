#!/usr/bin/python3
"""Checks every file under deploy/ against the binaries just built: each
manifest parses; every image is one the project builds (deploy/Dockerfile)
or the Redis it documents; every babillard command is installed by the
Dockerfile and every flag it passes is one that binary lists in --help;
ports agree between flags, containers and Services; Services, ConfigMaps,
Secrets and systemd units that are referred to exist.

usage: manifests_test.py SOURCE_DIR BUILD_DIR
"""
import configparser
import glob
import os
import re
import subprocess
import sys
import unittest

import yaml

SOURCE, BUILD = sys.argv[1], sys.argv[2]
DEPLOY = os.path.join(SOURCE, "deploy")
BINARIES = {
    "babillard-store": "services/store/babillard-store",
    "babillard-ingest": "services/ingest/babillard-ingest",
    "babillard-publish": "services/publish/babillard-publish",
}
REDIS_IMAGE = "redis:8.10"  # a maintained release (7.0 is past its end of life)


def flags_of(binary):
    """The flags a binary accepts, as its --help lists them (dashes or underscores)."""
    out = subprocess.run([os.path.join(BUILD, BINARIES[binary]), "--help"], capture_output=True, text=True,
                         timeout=30)
    return set(re.findall(r"^\s+--(\w+) ", out.stdout + out.stderr, re.M))


def babillard_image():
    """The tag deploy/Dockerfile documents building."""
    with open(os.path.join(DEPLOY, "Dockerfile")) as f:
        text = f.read()
    return re.search(r"docker build -f deploy/Dockerfile -t (\S+) \.", text).group(1), text


def image_uid():
    """The UID (and GID) deploy/Dockerfile gives the image's user, and runs as."""
    with open(os.path.join(DEPLOY, "Dockerfile")) as f:
        text = f.read()
    uid = int(re.search(r"useradd [^\n]*--uid (\d+)", text).group(1))
    assert re.search(rf"^USER {uid}:{uid}$", text, re.M), "the image runs as its user, by number"
    return uid


IMAGE_UID = image_uid()


def k8s_docs():
    docs = []
    for path in sorted(glob.glob(os.path.join(DEPLOY, "k8s", "*.yaml"))):
        with open(path) as f:
            docs += [(os.path.basename(path), d) for d in yaml.safe_load_all(f) if d]
    return docs


def flag_value(args, name):
    for a in args:
        m = re.match(rf"--{name.replace('_', '[-_]')}=(.*)$", a)
        if m:
            return m.group(1)
    return None


class Deploy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.flags = {b: flags_of(b) for b in BINARIES}
        cls.image, cls.dockerfile = babillard_image()

    def check_command(self, where, argv):
        """A babillard command line: installed by the image, every flag known to the binary."""
        binary = os.path.basename(argv[0])
        self.assertIn(binary, BINARIES, f"{where}: unknown program {argv[0]}")
        self.assertIn(f"/build/{BINARIES[binary]}", self.dockerfile, f"{where}: the image does not install {binary}")
        for a in argv[1:]:
            self.assertTrue(a.startswith("--"), f"{where}: {a!r} is not a flag")
            name = a[2:].split("=", 1)[0].replace("-", "_")
            self.assertIn(name, self.flags[binary], f"{where}: {binary} has no flag --{name}")

    def test_systemd_units(self):
        units = glob.glob(os.path.join(DEPLOY, "systemd", "*.service"))
        self.assertEqual({os.path.basename(u) for u in units},
                         {"babillard-redis.service", "babillard-store.service", "babillard-ingest.service",
                          "babillard-publish.service"})
        for path in units:
            unit = configparser.ConfigParser(strict=False, interpolation=None)
            unit.optionxform = str
            unit.read(path)
            name = os.path.basename(path)
            for section in ("Unit", "Service", "Install"):
                self.assertIn(section, unit, f"{name}: no [{section}]")
            self.assertGreaterEqual(int(unit["Service"].get("LimitNOFILE", "0")), 65536,
                                    f"{name}: LimitNOFILE (each connection is a descriptor)")
            self.assertEqual(unit["Service"].get("UMask"), "0077", f"{name}: UMask (data and tokens are private)")
            argv = unit["Service"]["ExecStart"].replace("\\\n", " ").split()
            for dep in unit["Unit"].get("Requires", "").split():
                self.assertTrue(os.path.exists(os.path.join(DEPLOY, "systemd", dep)), f"{name}: requires {dep}")
            if name == "babillard-redis.service":
                self.assertEqual(argv[0], "/usr/bin/redis-server")
                self.assertTrue(os.path.exists(os.path.join(DEPLOY, "redis", "redis.conf")))
                continue
            self.assertTrue(argv[0].startswith("/usr/local/bin/"), name)
            self.check_command(name, argv)

    def test_redis_conf_keeps_acknowledged_writes(self):
        with open(os.path.join(DEPLOY, "redis", "redis.conf")) as f:
            conf = dict(line.split(None, 1) for line in f.read().splitlines() if line and not line.startswith("#"))
        self.assertEqual(conf["appendonly"], "yes")
        self.assertEqual(conf["appendfsync"], "always")
        self.assertEqual(conf["maxmemory-policy"], "noeviction")
        self.assertIn("maxmemory", conf, "noeviction without maxmemory sets no limit")

    def test_every_redis_started_has_a_memory_limit(self):
        with open(os.path.join(DEPLOY, "compose.yaml")) as f:
            compose = " ".join(yaml.safe_load(f)["services"]["redis"]["command"])
        with open(os.path.join(DEPLOY, "k8s", "redis.yaml")) as f:
            k8s = f.read()
        for where, text in (("compose", compose), ("k8s", k8s)):
            self.assertRegex(text, r"--maxmemory \d+[kmg]b", where)
            self.assertIn("--maxmemory-policy noeviction", text, where)

    def test_compose(self):
        with open(os.path.join(DEPLOY, "compose.yaml")) as f:
            compose = yaml.safe_load(f)
        services = compose["services"]
        self.assertEqual(set(services), {"redis", "store", "ingest", "publish"})
        for name, svc in services.items():
            self.assertIn(svc["image"], (self.image, REDIS_IMAGE), name)
            for dep in svc.get("depends_on", []):
                self.assertIn(dep, services, f"{name} depends on {dep}")
            for secret in svc.get("secrets", []):
                self.assertIn(secret, compose["secrets"])
                path = os.path.normpath(compose["secrets"][secret]["file"])
                if not os.path.exists(os.path.join(DEPLOY, path)):
                    # A secret the operator makes: never committed, and the README says how.
                    with open(os.path.join(DEPLOY, "..", ".gitignore")) as f:
                        self.assertIn(f"/deploy/{path}", f.read().split(), f"{name}: secret {path}")
                    with open(os.path.join(DEPLOY, "README.md")) as f:
                        self.assertIn(f"> deploy/{path}", f.read(), f"{name}: how to make {path}")
            for volume in svc.get("volumes", []):
                source = volume.split(":")[0]
                if source.startswith("./"):
                    self.assertTrue(os.path.exists(os.path.join(DEPLOY, source)), f"{name}: mounts {source}")
                else:
                    self.assertIn(source, compose["volumes"], name)
            for network in svc.get("networks", []):
                self.assertIn(network, compose["networks"], name)
            if svc["image"] == self.image:
                argv = svc["command"]
                self.check_command(f"compose {name}", argv)
                # Addresses name services of the file, on the port they listen on.
                for flag in ("store", "redis"):
                    target = flag_value(argv[1:], flag)
                    if target:
                        host, port = target.rsplit(":", 1)
                        self.assertIn(host, services, f"{name}: --{flag}={target}")
                        if host != "redis":
                            self.assertEqual(flag_value(services[host]["command"][1:], "listen").rsplit(":", 1)[1],
                                             port, f"{name}: --{flag}={target}")
                for mapping in svc.get("ports", []):
                    container_port = mapping.rsplit(":", 1)[1]
                    listening = [flag_value(argv[1:], f) for f in ("listen", "http")]
                    self.assertIn(container_port, [v.rsplit(":", 1)[1] for v in listening if v],
                                  f"{name}: publishes {mapping} but listens on {listening}")

    def test_compose_keeps_redis_to_the_store(self):
        with open(os.path.join(DEPLOY, "compose.yaml")) as f:
            compose = yaml.safe_load(f)
        services = compose["services"]
        on = lambda net: {n for n, svc in services.items() if net in svc.get("networks", [])}  # noqa: E731
        self.assertEqual(on("redis"), {"redis", "store"}, "Redis only from the store")
        self.assertEqual(on("store"), {"store", "ingest", "publish"})
        self.assertTrue(compose["networks"]["redis"].get("internal"))
        self.assertTrue(compose["networks"]["store"].get("internal"))
        redis = " ".join(services["redis"]["command"])
        self.assertIn("make-acl.sh /etc/babillard-redis/acl-rules /run/secrets", redis)
        self.assertIn("--aclfile", redis)
        store = services["store"]["command"]
        self.assertEqual(flag_value(store, "redis_user"), "babillard")
        password = flag_value(store, "redis_password_file")
        self.assertEqual(os.path.dirname(password), "/run/secrets")
        for name in ("redis", "store"):
            self.assertIn(os.path.basename(password), services[name]["secrets"], name)

    def test_kubernetes_redis_authenticates_and_is_fenced(self):
        by_kind = {}
        for file, d in k8s_docs():
            by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
        # The ACL rules and their script in the cluster are the ones shipped, byte for byte.
        acl = by_kind["ConfigMap"]["redis-acl"]["data"]
        for name in ("acl-rules", "make-acl.sh"):
            with open(os.path.join(DEPLOY, "redis", name)) as f:
                self.assertEqual(acl[name], f.read(), name)
        secret = by_kind["Secret"]["babillard-redis"]["stringData"]
        with open(os.path.join(DEPLOY, "redis", "acl-rules")) as f:
            users = [line.split()[0] for line in f if line.strip() and not line.startswith("#")]
        for user in users:
            self.assertIn(f"redis-{user}.password", secret, "make-acl.sh needs each user's password")
        redis = by_kind["StatefulSet"]["redis"]["spec"]["template"]["spec"]
        args = " ".join(redis["containers"][0]["args"])
        for needed in ("--aclfile /data/users.acl", "--min-replicas-to-write 1", "masteruser replication",
                       "SENTINEL get-master-addr-by-name mymaster"):
            self.assertIn(needed, args)
        self.assertEqual(redis["initContainers"][0]["command"][:3], ["sh", "/acl/make-acl.sh", "/acl/acl-rules"])
        sentinel = by_kind["StatefulSet"]["redis-sentinel"]
        self.assertIn("data", [c["metadata"]["name"] for c in sentinel["spec"].get("volumeClaimTemplates", [])],
                      "Sentinel state survives restarts")
        self.assertNotIn("data", [v["name"] for v in sentinel["spec"]["template"]["spec"].get("volumes", [])])
        # Who may connect: Redis and Sentinel from the store (and each other), the store from ingest and publish.
        policies = by_kind["NetworkPolicy"]
        allowed = lambda p: {v for rule in p["spec"]["ingress"] for peer in rule["from"]  # noqa: E731
                             for e in peer["podSelector"]["matchExpressions"] for v in e["values"]}
        self.assertEqual(allowed(policies["redis"]), {"babillard-store", "redis", "redis-sentinel"})
        self.assertEqual(allowed(policies["redis-sentinel"]), {"babillard-store", "redis", "redis-sentinel"})
        clients = {w["spec"]["template"]["metadata"]["labels"]["app"] for w in by_kind["Deployment"].values()
                   if w["metadata"]["name"].startswith(("babillard-ingest", "babillard-publish"))}
        self.assertEqual(allowed(policies["babillard-store"]), clients)
        workloads = list(by_kind["Deployment"].values()) + list(by_kind["StatefulSet"].values())
        for name, policy in policies.items():
            selected = policy["spec"]["podSelector"]["matchLabels"]
            self.assertTrue(any(w["spec"]["template"]["metadata"]["labels"] == selected for w in workloads), name)
        store = by_kind["Deployment"]["babillard-store"]["spec"]["template"]["spec"]["containers"][0]["args"]
        self.assertEqual(flag_value(store, "redis_user"), "babillard")
        self.assertTrue(flag_value(store, "redis_sentinel_password_file"))

    def test_kubernetes(self):
        docs = k8s_docs()
        self.assertGreaterEqual(len(docs), 10)
        by_kind = {}
        for file, d in docs:
            for key in ("apiVersion", "kind", "metadata"):
                self.assertIn(key, d, file)
            by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
        for kind in ("Namespace", "ConfigMap", "Secret", "Service", "Deployment", "StatefulSet"):
            self.assertIn(kind, by_kind)
        for name in ("babillard-store", "babillard-ingest", "babillard-publish"):
            self.assertIn(name, by_kind["Deployment"])
        self.assertIn("redis", by_kind["StatefulSet"])
        self.assertIn("redis-sentinel", by_kind["StatefulSet"])
        services = by_kind["Service"]
        workloads = list(by_kind["Deployment"].values()) + list(by_kind["StatefulSet"].values())
        for w in workloads:
            name = w["metadata"]["name"]
            self.assertEqual(w["spec"]["selector"]["matchLabels"], w["spec"]["template"]["metadata"]["labels"], name)
            pod = w["spec"]["template"]["spec"]
            volumes = {v["name"]: v for v in pod.get("volumes", [])}
            if any(c["image"] == self.image for c in pod["containers"]):
                # The image's user reads its secrets, and no one else does.
                security = pod.get("securityContext", {})
                self.assertEqual((security.get("runAsUser"), security.get("runAsGroup"), security.get("fsGroup")),
                                 (IMAGE_UID, IMAGE_UID, IMAGE_UID), f"{name}: runs as the image's user")
                self.assertTrue(security.get("runAsNonRoot"), name)
                for v in volumes.values():
                    if "secret" in v:
                        self.assertEqual(v["secret"].get("defaultMode"), 0o440,
                                         f"{name}: secret {v['name']} readable by the group fsGroup sets")
            claims = {c["metadata"]["name"] for c in w["spec"].get("volumeClaimTemplates", [])}
            for c in pod.get("initContainers", []) + pod["containers"]:
                where = f"{name}/{c['name']}"
                self.assertIn(c["image"], (self.image, REDIS_IMAGE), where)
                for m in c.get("volumeMounts", []):
                    self.assertTrue(m["name"] in volumes or m["name"] in claims, f"{where}: volume {m['name']}")
                for source in c.get("envFrom", []):
                    self.assertIn(source["configMapRef"]["name"], by_kind["ConfigMap"], where)
                if c["image"] != self.image:
                    continue
                argv = c["command"] + c.get("args", [])
                self.check_command(where, argv)
                # $(VAR) in args must come from the ConfigMap the container loads.
                env = {}
                for source in c.get("envFrom", []):
                    env.update(by_kind["ConfigMap"][source["configMapRef"]["name"]]["data"])
                for var in re.findall(r"\$\((\w+)\)", " ".join(argv)):
                    self.assertIn(var, env, f"{where}: $({var})")
                container_ports = {p["containerPort"] for p in c.get("ports", [])}
                for flag in ("listen", "http"):
                    value = flag_value(argv[1:], flag)
                    if value:
                        self.assertIn(int(value.rsplit(":", 1)[1]), container_ports, f"{where}: --{flag}={value}")
                for flag in ("store",):
                    value = flag_value(argv[1:], flag)
                    if value:
                        host, port = value.rsplit(":", 1)
                        self.assertIn(host, services, f"{where}: --store={value}")
                        self.assertIn(int(port), [p["port"] for p in services[host]["spec"]["ports"]], where)
                for flag in ("admin_token_file", "internal_token_file", "redis_password_file",
                             "redis_sentinel_password_file"):
                    value = flag_value(argv[1:], flag)
                    if value:
                        mount = [m for m in c["volumeMounts"] if value.startswith(m["mountPath"] + "/")]
                        self.assertTrue(mount, f"{where}: {value} is not mounted")
                        secret = volumes[mount[0]["name"]]["secret"]["secretName"]
                        self.assertIn(os.path.basename(value), by_kind["Secret"][secret]["stringData"], where)
                sentinels = flag_value(argv[1:], "redis_sentinels")
                if sentinels:
                    host, port = sentinels.split(",")[0].rsplit(":", 1)
                    self.assertIn(host, services, where)
                    self.assertIn(int(port), [p["port"] for p in services[host]["spec"]["ports"]], where)
                region = flag_value(argv[1:], "region")
                if region:
                    mount = [m for m in c["volumeMounts"] if region.startswith(m["mountPath"] + "/")]
                    self.assertTrue(mount, f"{where}: {region} is not mounted")
                    config = by_kind["ConfigMap"][volumes[mount[0]["name"]]["configMap"]["name"]]
                    self.assertIn(os.path.basename(region), config["data"], where)
        # The region in the cluster is the one shipped, byte for byte.
        with open(os.path.join(DEPLOY, "regions", "mrc-des-sources.textproto")) as f:
            self.assertEqual(by_kind["ConfigMap"]["babillard-region"]["data"]["region.textproto"], f.read())
        # Every Service reaches some pod on each of its target ports.
        for name, svc in services.items():
            selected = [w for w in workloads
                        if all(w["spec"]["template"]["metadata"]["labels"].get(k) == v
                               for k, v in svc["spec"]["selector"].items())]
            self.assertTrue(selected, f"Service {name} selects nothing")
            ports = {p["containerPort"] for w in selected for c in w["spec"]["template"]["spec"]["containers"]
                     for p in c.get("ports", [])}
            for p in svc["spec"]["ports"]:
                self.assertIn(p["targetPort"], ports, f"Service {name} port {p}")

    def test_readme_names_every_file(self):
        with open(os.path.join(DEPLOY, "README.md")) as f:
            readme = f.read()
        for path in glob.glob(os.path.join(DEPLOY, "**", "*"), recursive=True):
            rel = os.path.relpath(path, DEPLOY)
            if os.path.isfile(path) and rel != "README.md":
                self.assertIn(rel, readme, f"deploy/README.md does not mention {rel}")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
