/*
 * NAME
 *	b_config - configuration load time (text vs compiled image), rewrites per second
 * SYNOPSIS
 *	b_config [rules [aliases [seconds]]]
 * DESCRIPTION
 *	Makes a private configuration in a temporary directory: the default
 *	channels, `rules` rewrite rules for distinct domains (default 10,000)
 *	and an alias file of `aliases` entries (default 100,000), plus a
 *	mapping file.  Prints the time to load it from the text files and
 *	from the compiled image (best of five each) and their ratio, then
 *	rewrites per second of random addresses through the rules.
 *	There is no peer to compare with here: Postfix has no rewrite rules
 *	of this kind (its nearest, trivial-rewrite, is a separate daemon).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "config.h"
#include "rewrite.h"
#include "lnm.h"
#include "str.h"

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void fail(const char *what, const STR *err)
{
    fprintf(stderr, "b_config: %s: %s\n", what, STR_C(*err));
    exit(1);
}

static double best_load(int flags, int expect_image)
{
    CONFIG  cfg;
    STR     err = STR_INIT;
    double  best = 1e9, t;
    int     i;

    for (i = 0; i < 5; i++) {
	t = now();
	if (config_load(&cfg, flags, &err) < 0)
	    fail("config_load", &err);
	t = now() - t;
	if (cfg.from_image != expect_image) {
	    fprintf(stderr, "b_config: expected the %s\n", expect_image ? "image" : "text");
	    exit(1);
	}
	config_free(&cfg);
	if (t < best)
	    best = t;
    }
    str_free(&err);
    return best;
}

int     main(int argc, char **argv)
{
    long    nrules = argc > 1 ? atol(argv[1]) : 10000;
    long    naliases = argc > 2 ? atol(argv[2]) : 100000;
    double  secs = argc > 3 ? atof(argv[3]) : 2.0;
    char    dir[256], path[400], addr[128];
    STR     err = STR_INIT, img = STR_INIT;
    CONFIG  cfg;
    REWRITER *rw;
    RW_REQUEST req;
    RW_RESULT res;
    FILE   *fp;
    double  t_text, t_img, t0, t;
    long    i, n, bad = 0;

    snprintf(dir, sizeof(dir), "%s/b_config.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(dir) == NULL)
	return 1;
    snprintf(path, sizeof(path), "%s/tailor", dir);
    fp = fopen(path, "w");
    fprintf(fp, "PMDF_TABLE=%s/\nPMDF_CONFIG_DATA=PMDF_TABLE:config_data\n", dir);
    fclose(fp);
    setenv("PMDF_TAILOR", path, 1);

    snprintf(path, sizeof(path), "%s/pmdf.cnf", dir);
    fp = fopen(path, "w");
    fprintf(fp, "! benchmark configuration\nexample.com $U@example.com\nlocalhost $U@example.com\n");
    for (i = 0; i < nrules; i++)
	fprintf(fp, ".d%05ld.example.net $U%%$H$D@TCP-D%ld\n", i, i % 4);
    fprintf(fp, ". $U%%$H@TCP-DAEMON\n\nl\nexample.com\n\n"
	    "tcp_local smtp mx single_sys maytls maysaslserver saslswitchchannel tcp_auth\n"
	    "TCP-DAEMON\nTCP-D0\nTCP-D1\nTCP-D2\nTCP-D3\n\n"
	    "tcp_auth smtp mx single_sys mustsaslserver\nTCP-AUTH\n");
    fclose(fp);
    snprintf(path, sizeof(path), "%s/aliases", dir);
    fp = fopen(path, "w");
    for (i = 0; i < naliases; i++)
	fprintf(fp, "alias%06ld: user%06ld@example.com, list%ld@d%05ld.example.net\n", i, i,
		i % 10, i % (nrules ? nrules : 1));
    fclose(fp);
    snprintf(path, sizeof(path), "%s/mappings", dir);
    fp = fopen(path, "w");
    fprintf(fp, "ORIG_SEND_ACCESS\n\n  tcp_local|*|tcp_local|*  $NRelaying$ refused\n\n"
	    "INTERNAL_IP\n\n  $(127.0.0.0/8)  $Y\n  *  $N\n");
    fclose(fp);

    t_text = best_load(CONFIG_TEXT, 0);
    if (config_load(&cfg, CONFIG_TEXT, &err) < 0 || config_compile(&cfg, &img, &err) < 0)
	fail("cnbuild", &err);
    config_free(&cfg);
    t_img = best_load(0, 1);
    printf("config: load %ld rules + %ld aliases: text %.1f ms, image %.1f ms, text/image %.1f\n",
	   nrules, naliases, t_text * 1e3, t_img * 1e3, t_text / t_img);

    if (config_load(&cfg, 0, &err) < 0 || (rw = rewrite_new(&cfg.cnf, cfg.maps, NULL, &err)) == NULL)
	fail("rewrite_new", &err);
    rw_request_init(&req);
    req.source_channel = "l";
    rw_result_init(&res);
    srand(7);
    t0 = now();
    for (n = 0; (t = now() - t0) < secs; n++) {
	long    r = rand();

	if (r % 4 == 0)
	    snprintf(addr, sizeof(addr), "user%ld@example.com", r % 1000);
	else
	    snprintf(addr, sizeof(addr), "u%ld@h%ld.d%05ld.example.net", r % 97, r % 13,
		     nrules ? r % nrules : 0);
	if (rewrite_address(rw, addr, &req, &res, &err) < 0)
	    bad++;
    }
    printf("config: %.0f rewrites per second (%ld in %.2f s, %ld failed, %ld rules)\n",
	   (double) n / t, n, t, bad, nrules);
    rw_result_free(&res);
    rewrite_free(rw);
    config_free(&cfg);
    lnm_shutdown();
    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    if (system(path) != 0)
	fprintf(stderr, "b_config: cannot remove %s\n", dir);
    str_free(&err);
    str_free(&img);
    return bad ? 1 : 0;
}
