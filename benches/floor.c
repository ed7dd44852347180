/* The process floor for a cached `authtool token` (issue 16): a static C
 * program that does only what any credential helper must do on a cache
 * hit. It finds (--config, $AUTHTOOL_CONFIG, the XDG default) and reads the
 * same config file, reads the same cache file
 * (<cache>/authtool/tokens/<profile>.json) and prints the access token and
 * a newline: no parsing, no checks. benches/run.sh builds it with
 * `cc -O2 -static` (no dynamic loader, no libc start-up beyond the least)
 * and measures `authtool token -p NAME` against `bench-floor token -p NAME`.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[1 << 20];

/* Reads `path` into buf; its length, or -1. */
static long slurp(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    long len = 0, n;
    while ((n = read(fd, buf + len, sizeof buf - 1 - len)) > 0) len += n;
    close(fd);
    buf[len] = 0;
    return n < 0 ? -1 : len;
}

/* $name, else $HOME/fallback, then /authtool/rest, into out. */
static int xdg(char *out, size_t size, const char *name, const char *fallback, const char *rest) {
    const char *dir = getenv(name);
    if (dir && *dir) return snprintf(out, size, "%s/authtool/%s", dir, rest) < (int)size;
    const char *home = getenv("HOME");
    if (!home || !*home) return 0;
    return snprintf(out, size, "%s/%s/authtool/%s", home, fallback, rest) < (int)size;
}

int main(int argc, char **argv) {
    const char *profile = 0, *config = 0;
    for (int i = 1; i + 1 < argc; i++) {
        if (!strcmp(argv[i], "-p")) profile = argv[i + 1];
        if (!strcmp(argv[i], "--config")) config = argv[i + 1];
    }
    if (!profile) {
        fputs("usage: bench-floor token [--config PATH] -p PROFILE\n", stderr);
        return 2;
    }
    char path[4096];
    if (!config) config = getenv("AUTHTOOL_CONFIG");
    if (!config || !*config) {
        if (!xdg(path, sizeof path, "XDG_CONFIG_HOME", ".config", "config.toml")) return 1;
        config = path;
    }
    if (slurp(config) <= 0) return 1;
    char name[512];
    if (snprintf(name, sizeof name, "tokens/%s.json", profile) >= (int)sizeof name) return 1;
    if (!xdg(path, sizeof path, "XDG_CACHE_HOME", ".cache", name)) return 1;
    if (slurp(path) <= 0) return 1;
    static const char key[] = "\"access_token\":\"";
    char *start = strstr(buf, key);
    if (!start) return 1;
    start += sizeof key - 1;
    char *end = strchr(start, '"');
    if (!end) return 1;
    *end = '\n';
    return write(1, start, end - start + 1) == end - start + 1 ? 0 : 1;
}
