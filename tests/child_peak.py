"""A child process's own peak memory, as source text for `python -c` children.

The kernel carries ru_maxrss across fork and exec, so wait4 in the parent gives the
forking test process's size (hundreds of MB late in a suite), not the child's. VmHWM is
the child's own; macOS has only ru_maxrss (in bytes).
"""

PEAK_KB_SOURCE = """
def peak_kb():
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak
"""
