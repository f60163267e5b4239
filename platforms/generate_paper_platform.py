#!/usr/bin/python3
"""Generate platforms/paper-edge-cloud.xml, the bundled edge/cloud platform.

What and why: every number of the platform lives here, next to the derivation it
comes from, so that docs/platforms.md and the XML cannot drift apart. Run
    /usr/bin/python3 platforms/generate_paper_platform.py > platforms/paper-edge-cloud.xml
The output is deterministic (no dates, no randomness). Standard library only.

Conventions (docs/platforms.md): one zone per training cluster holding only its
training hosts; pstate 0 is the fastest, speeds strictly decrease; host speed is
the per-accelerator sustained flop/s; `core` counts accelerators; every traffic
link is SPLITDUPLEX and its wattage_range is per direction.
"""

import sys

# ---------------------------------------------------------------------------
# Derivation constants
# ---------------------------------------------------------------------------

# Sustained / peak FP32 rate for DNN training. Assumption inside the range of
# published model-flops utilisation (21-46 %, Chowdhery et al., PaLM, 2022).
UTILISATION = 0.40

# Dynamic power model for DVFS states not measured: at full load,
#   P(s) = P_idle + (P_max - P_idle) * (active_fraction) * (f / f_max) ** FREQ_EXPONENT
# capped at the power budget of the state where the vendor defines one.
FREQ_EXPONENT = 2.0


def peak_fp32(cuda_cores, clock_hz):
    """Peak FP32 flop/s: one fused multiply-add (2 flop) per CUDA core per cycle."""
    return cuda_cores * 2.0 * clock_hz


def busy_power(p_idle, p_max, active_fraction, f_ratio, cap=None):
    p = p_idle + (p_max - p_idle) * active_fraction * f_ratio ** FREQ_EXPONENT
    return min(p, cap) if cap is not None else p


# ---------------------------------------------------------------------------
# Node types. Each state: (label, active CUDA cores, GPU clock Hz, budget W or None)
# ---------------------------------------------------------------------------

NODE_TYPES = {
    # Jetson Nano 4GB: 128-core Maxwell GPU, 921.6 MHz max; nvpmodel MAXN (10 W)
    # and 5W (GPU capped at 640 MHz).
    "jetson-nano": dict(
        memory="4GB",  # 4 GB LPDDR4 shared by CPU and GPU (Jetson Nano module data sheet)
        cores=1, cuda=128, f_max=921.6e6, p_idle=1.5, p_max=10.0, p_off=0.1,
        states=[("MAXN-10W", 128, 921.6e6, 10.0), ("5W", 128, 640.0e6, 5.0)]),
    # Jetson Xavier NX: 384-core Volta GPU, 1109.25 MHz max; nvpmodel 20W
    # (1109.25 MHz) and 10W (803.25 MHz) modes.
    "jetson-xavier-nx": dict(
        memory="8GB",  # 8 GB LPDDR4x shared by CPU and GPU (Jetson Xavier NX module data sheet)
        cores=1, cuda=384, f_max=1109.25e6, p_idle=3.0, p_max=20.0, p_off=0.1,
        states=[("20W", 384, 1109.25e6, 20.0), ("10W", 384, 803.25e6, 10.0)]),
    # Jetson AGX Orin 64GB: 2048-core Ampere GPU (8 TPC x 256 cores), 1.3 GHz max,
    # module up to 60 W; nvpmodel 50W (8 TPC, 816 MHz), 30W (4 TPC, 612 MHz),
    # 15W (3 TPC, 408 MHz).
    "jetson-agx-orin": dict(
        memory="64GB",  # 64 GB LPDDR5 shared by CPU and GPU (Jetson AGX Orin 64GB module data sheet)
        cores=1, cuda=2048, f_max=1300.5e6, p_idle=7.0, p_max=60.0, p_off=0.2,
        states=[("MAXN", 2048, 1300.5e6, 60.0), ("50W", 2048, 816.0e6, 50.0),
                ("30W", 1024, 612.0e6, 30.0), ("15W", 768, 408.0e6, 15.0)]),
    # DGX A100 server: 8 x A100 SXM4 (6912 FP32 cores, 1410 MHz boost, 19.5 TFLOPS
    # FP32), system up to 6.5 kW. Host = server, core = GPU. States = SM
    # application clocks 1410 / 1110 / 810 MHz.
    "dgx-a100": dict(
        memory="40GB",  # per GPU: 8 x 40 GB HBM2, 320 GB in all (DGX A100 320GB system data sheet)
        cores=8, cuda=6912, f_max=1410e6, p_idle=1500.0, p_max=6500.0, p_off=40.0,
        states=[("1410MHz", 6912, 1410e6, None), ("1110MHz", 6912, 1110e6, None),
                ("810MHz", 6912, 810e6, None)]),
}


def host_states(t):
    """Returns [(speed flop/s per core, idle W, epsilon W, all-cores W)] in pstate order."""
    out = []
    for _label, active, clock, cap in t["states"]:
        speed = UTILISATION * peak_fp32(active, clock)
        p_all = busy_power(t["p_idle"], t["p_max"], active / t["cuda"], clock / t["f_max"], cap)
        # epsilon = idle: power rises linearly with the number of busy accelerators,
        # so k busy cores of `cores` draw idle + k/cores * (all - idle).
        # With one core SimGrid uses the all-cores value whenever the host is busy.
        eps = p_all if t["cores"] == 1 else t["p_idle"]
        out.append((speed, t["p_idle"], eps, p_all))
    speeds = [s[0] for s in out]
    assert all(a > b for a, b in zip(speeds, speeds[1:])), "pstates must be in decreasing speed order"
    return out


def fmt(x):
    """Compact, stable number formatting (6 significant digits)."""
    return f"{x:.6g}"


def fmt_speed(flops):
    return f"{flops / 1e9:.6g}Gf"


# ---------------------------------------------------------------------------
# Link classes: (bandwidth, latency, wattage_range "idle:busy" per direction or None)
# ---------------------------------------------------------------------------

LINKS = {
    # 1 GbE access port, node <-> site switch.
    "gbe": ("1Gbps", "50us", "0.5:0.7"),
    # Site LAN between the sensors' switch and the cluster switch (1 GbE).
    "site-lan": ("1Gbps", "100us", "0.5:0.7"),
    # Wi-Fi 5 (802.11ac, 2x2, 80 MHz; 866.7 Mb/s PHY) client link: ~400 Mb/s goodput.
    "wifi": ("400Mbps", "2ms", None),
    # Cloud node port: 100 GbE.
    "dc-100g": ("100Gbps", "5us", "8:10"),
    # Controller port in the datacentre core: 10 GbE.
    "dc-10g": ("10Gbps", "50us", "2:3"),
}

# Edge site -> cloud WAN links: (bandwidth bit/s, one-way latency).
WAN_ENERGY_J_PER_BIT = 40e-9  # ~4 router hops x ~10 nJ/bit (see docs/platforms.md)
WANS = {
    "a": (200e6, "30ms"),
    "b": (500e6, "20ms"),
    "c": (1e9, "10ms"),
}

# ---------------------------------------------------------------------------
# Topology
# ---------------------------------------------------------------------------

CLUSTERS = [  # (zone, node type, host count)
    ("edge-a", "jetson-nano", 6),
    ("edge-b", "jetson-xavier-nx", 6),
    ("edge-c", "jetson-agx-orin", 4),
    ("cloud", "dgx-a100", 4),
]
SOURCES = {  # site -> (source count, access link class)
    "a": (2, "gbe"),
    "b": (2, "gbe"),
    "c": (2, "wifi"),
}
# --small (platforms/small-edge-cloud.xml, scenarios/small/): the same sites, node types and links with 2 nodes
# per edge cluster, 1 in the cloud and one data source per site, so that the optimum's MILP solves in seconds.
CLUSTERS_SMALL = [
    ("edge-a", "jetson-nano", 2),
    ("edge-b", "jetson-xavier-nx", 2),
    ("edge-c", "jetson-agx-orin", 2),
    ("cloud", "dgx-a100", 1),
]
SOURCES_SMALL = {"a": (1, "gbe"), "b": (1, "gbe"), "c": (1, "wifi")}


class Xml:
    def __init__(self):
        self.lines = []
        self.depth = 0

    def line(self, s):
        self.lines.append("  " * self.depth + s)

    def open(self, s):
        self.line(s)
        self.depth += 1

    def close(self, s):
        self.depth -= 1
        self.line(s)


def link(x, lid, cls=None, bw=None, lat=None, watts=None, comment=None, kind=None):
    """A SPLITDUPLEX link of class `cls` (LINKS), or with explicit figures; its `class` property is `cls` or
    `kind` (deplsim's energy breakdown by link class)."""
    if cls is not None:
        bw, lat, watts = LINKS[cls]
    if comment:
        x.line(f"<!-- {comment} -->")
    x.open(f'<link id="{lid}" bandwidth="{bw}" latency="{lat}" sharing_policy="SPLITDUPLEX">')
    x.line(f'<prop id="class" value="{cls or kind}"/>')
    if watts is not None:
        x.line(f'<prop id="wattage_range" value="{watts}"/>')
    x.close("</link>")


def route(x, src, dst, links, tag="route", gw=None):
    attrs = f'src="{src}" dst="{dst}"'
    if gw:
        attrs += f' gw_src="{gw[0]}" gw_dst="{gw[1]}"'
    x.open(f"<{tag} {attrs}>")
    for lid, direction in links:
        x.line(f'<link_ctn id="{lid}" direction="{direction}"/>')
    x.close(f"</{tag}>")


def star_zone(x, zone, hosts, host_writer, link_of, router):
    """A Full zone: hosts on private SPLITDUPLEX links to one switch (router).
    UP = host -> switch. Routes: host->host and host->switch (symmetrical)."""
    x.open(f'<zone id="{zone}" routing="Full">')
    for h in hosts:
        host_writer(x, h)
    x.line(f'<router id="{router}"/>')
    for h in hosts:
        link(x, f"{h}-link", *link_of(h))
    for i, h in enumerate(hosts):
        route(x, h, router, [(f"{h}-link", "UP")])
        for g in hosts[i + 1:]:
            route(x, h, g, [(f"{h}-link", "UP"), (f"{g}-link", "DOWN")])
    x.close("</zone>")


def cluster_host_writer(t):
    states = host_states(t)

    def write(x, name):
        speeds = ",".join(fmt_speed(s[0]) for s in states)
        watts = ", ".join(f"{fmt(s[1])}:{fmt(s[2])}:{fmt(s[3])}" for s in states)
        x.open(f'<host id="{name}" speed="{speeds}" pstate="0" core="{t["cores"]}">')
        x.line(f'<prop id="wattage_per_state" value="{watts}"/>')
        x.line(f'<prop id="wattage_off" value="{fmt(t["p_off"])}"/>')
        x.line(f'<prop id="memory" value="{t["memory"]}"/>')
        x.close("</host>")
    return write


def plain_host_writer(speed, cores, watts, off, memory):
    def write(x, name):
        x.open(f'<host id="{name}" speed="{speed}" pstate="0" core="{cores}">')
        x.line(f'<prop id="wattage_per_state" value="{watts}"/>')
        x.line(f'<prop id="wattage_off" value="{off}"/>')
        x.line(f'<prop id="memory" value="{memory}"/>')
        x.close("</host>")
    return write


def main(out, small=False):
    global CLUSTERS, SOURCES
    if small:
        CLUSTERS, SOURCES = CLUSTERS_SMALL, SOURCES_SMALL
    x = Xml()
    x.line("<?xml version='1.0'?>")
    x.line('<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">')
    x.line("<!-- GENERATED by platforms/generate_paper_platform.py{}{}; edit the script, not this file.".format(
        " (option small)" if small else "", f" (scaled: {', '.join(SCALED)})" if SCALED else ""))
    x.line("     Numbers and sources: docs/platforms.md. -->")
    x.open('<platform version="4.1">')
    x.open('<zone id="world" routing="Full">')

    # Training clusters.
    for zone, tname, n in CLUSTERS:
        t = NODE_TYPES[tname]
        cls = "dc-100g" if zone == "cloud" else "gbe"
        hosts = [f"{zone}-n{i}" for i in range(n)]
        x.line(f"<!-- cluster {zone}: {n} x {tname} -->")
        star_zone(x, zone, hosts, cluster_host_writer(t), lambda h, c=cls: (c,), f"{zone}-sw")

    # Data sources, one zone per edge site. Not charged by deplsim; nominal
    # Raspberry-Pi-4-class gateways (4 cores).
    # 4 GB: the Raspberry Pi 4 Model B's 4 GB variant (its product brief lists 1, 2, 4 and 8 GB).
    src_writer = plain_host_writer("2Gf", 4, "2.7:2.7:6.4", "0", "4GB")
    for site, (count, cls) in SOURCES.items():
        hosts = [f"src-{site}{i + 1}" for i in range(count)]
        x.line(f"<!-- data sources at edge site {site} -->")
        star_zone(x, f"sensors-{site}", hosts, src_writer, lambda h, c=cls: (c,), f"sensors-{site}-sw")

    # Controller, in the datacentre core next to the cloud. Not charged.
    x.line("<!-- controller (not charged) -->")
    # Memory: an assumption (a 16-core server with 64 GB); the controller never trains.
    star_zone(x, "core", ["controller"], plain_host_writer("100Gf", 16, "100:100:250", "0", "64GB"),
              lambda h: ("dc-10g",), "core-sw")

    # Backbone links (world level). UP = towards the cloud.
    x.line("<!-- backbone: site LANs (UP = sensors -> cluster), WANs (UP = site -> cloud), datacentre core -->")
    for site in SOURCES:
        link(x, f"lan-{site}", "site-lan")
    for site, (bw, lat) in WANS.items():
        busy = WAN_ENERGY_J_PER_BIT * bw
        link(x, f"wan-{site}", bw=f"{bw / 1e6:g}Mbps", lat=lat, watts=f"0:{fmt(busy)}", kind="wan")
    link(x, "dc-core", bw="10Gbps", lat="100us", watts="2:3", kind="dc-core")

    # Zone routes. Every pair of zones gets one (symmetrical: the reverse route
    # uses the opposite direction of each SPLITDUPLEX link).
    sites = list(SOURCES)
    gw = {f"edge-{s}": f"edge-{s}-sw" for s in sites}
    gw.update({f"sensors-{s}": f"sensors-{s}-sw" for s in sites})
    gw.update({"cloud": "cloud-sw", "core": "core-sw"})

    def path(a, b):
        """Backbone links from zone a to zone b, with directions."""
        def up(z):  # from zone z up to the cloud's border, as a list
            if z == "cloud":
                return []
            if z == "core":
                return [("dc-core", "UP")]
            kind, site = z.split("-")
            if kind == "sensors":
                return [(f"lan-{site}", "UP"), (f"wan-{site}", "UP")]
            return [(f"wan-{site}", "UP")]

        def flip(links):
            return [(l, "DOWN" if d == "UP" else "UP") for l, d in reversed(links)]
        # Same site: sensors <-> its own cluster over the site LAN only.
        if a.split("-")[-1] == b.split("-")[-1] and {a.split("-")[0], b.split("-")[0]} == {"sensors", "edge"}:
            return [(f"lan-{a.split('-')[1]}", "UP" if a.startswith("sensors") else "DOWN")]
        ua, ub = up(a), up(b)
        # Two zones of one site always meet over the site LAN above; a shared WAN would mean a bug.
        assert not (set(l for l, _ in ua) & set(l for l, _ in ub)), (a, b)
        return ua + flip(ub)

    zones = [c[0] for c in CLUSTERS] + [f"sensors-{s}" for s in sites] + ["core"]
    x.line("<!-- zone routes -->")
    for i, a in enumerate(zones):
        for b in zones[i + 1:]:
            route(x, a, b, path(a, b), tag="zoneRoute", gw=(gw[a], gw[b]))

    x.close("</zone>")
    x.close("</platform>")
    out.write("\n".join(x.lines) + "\n")


# The assumed figures a sensitivity study may scale (analysis/sensitivity.py, docs/platforms.md section 9):
# --scale NAME=FACTOR multiplies one of them; without it the output is the shipped platform, byte for byte.
ASSUMED = {
    "utilisation": "UTILISATION: sustained / peak FP32 of every device",
    "freq_exponent": "FREQ_EXPONENT: the power model's exponent of the clock ratio",
    "idle": "p_idle of every node type (and so the busy watts built on it)",
    "wan_energy": "WAN_ENERGY_J_PER_BIT: the WAN links' energy per bit",
}


SCALED = []  # the --scale arguments applied (named in the output's header)


def apply_scales(args):
    global UTILISATION, FREQ_EXPONENT, WAN_ENERGY_J_PER_BIT
    SCALED.extend(args)
    for a in args:
        name, _, value = a.partition("=")
        if name not in ASSUMED or not value:
            sys.exit(f"--scale {a}: expected NAME=FACTOR with NAME one of {', '.join(ASSUMED)}")
        factor = float(value)
        if not factor > 0:
            sys.exit(f"--scale {a}: the factor must be > 0")
        if name == "utilisation":
            UTILISATION *= factor
        elif name == "freq_exponent":
            FREQ_EXPONENT *= factor
        elif name == "idle":
            for t in NODE_TYPES.values():
                t["p_idle"] *= factor
        else:
            WAN_ENERGY_J_PER_BIT *= factor


if __name__ == "__main__":
    argv = sys.argv[1:]
    apply_scales([argv[i + 1] for i, a in enumerate(argv) if a == "--scale" and i + 1 < len(argv)])
    main(sys.stdout, small="--small" in argv)
