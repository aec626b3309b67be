/*
 * NAME
 *	fz_pmdfcnf - libFuzzer harness for PMDF.CNF and option files
 *	(src/global/pmdfcnf.c) over the configuration reader
 *	(src/util/cfgread.c)
 * DESCRIPTION
 *	The input up to its first NUL is written as PMDF.CNF of a private
 *	instance (PMDF_CONFIG_FILE: through the tailor file), the piece
 *	after it up to the next NUL as its option file (PMDF_OPTION_FILE:).
 *	pmdfcnf_load() reads the first; when it succeeds pmdfcnf_options()
 *	reads the second.  The PMDF.CNF file is also read raw through
 *	cfg_open()/cfg_next() with options chosen by the input's length
 *	(comment style, continuation, blank lines, trimming, includes), and
 *	its first lines are given to cfg_parse_int().
 *
 *	Invariants checked beyond "no crash, no leak, no UB":
 *	- load and options: 0, or -1 with a message and the whole PMDF_CNF
 *	  left empty;
 *	- a loaded configuration: channel 0 is "l"; channel names are lower
 *	  case, 1..CNF_MAX_CHANNEL_NAME characters, and each is found by
 *	  pmdfcnf_channel(); every channel has an official host, and every
 *	  host line name leads back to its channel through
 *	  pmdfcnf_channel_by_host(); every keyword is found by
 *	  pmdfcnf_keyword(); it saves, restores and saves again to the same
 *	  bytes (also after the options are read);
 *	- cfg_next(): lines hold no NUL and no line end, are at most
 *	  CFG_MAX_LINE bytes, are never blank unless keep_blank, have no
 *	  trailing white space when trimmed, and a failure reads
 *	  "file:line: ...";
 *	- cfg_parse_int(): a value it accepts lies in min..max.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cfgread.h"
#include "lnm.h"
#include "pack.h"
#include "pmdfcnf.h"
#include "str.h"
#include "fz_util.h"

static int cnf_empty(const PMDF_CNF *c)
{
    return c->rules == NULL && c->nrules == 0 && c->channels == NULL && c->nchannels == 0
	&& c->by_name == NULL && c->by_host == NULL && c->options == NULL
	&& c->files.n == 0;
}

static void check_image(const PMDF_CNF *cnf)
{
    PMDF_CNF again;
    STR     s1 = STR_INIT, s2 = STR_INIT, err = STR_INIT;
    UNPACK  in;

    pmdfcnf_save(cnf, &s1);
    unpack_init(&in, s1.s, s1.len);
    FZ_CHECK(pmdfcnf_restore(&in, &again, &err) == 0, "a loaded configuration does not"
	     " restore: %s", STR_C(err));
    pmdfcnf_save(&again, &s2);
    FZ_CHECK(s1.len == s2.len && memcmp(s1.s, s2.s, s1.len) == 0,
	     "save, restore, save differ");
    pmdfcnf_free(&again);
    str_free(&s1);
    str_free(&s2);
    str_free(&err);
}

static void check_loaded(const PMDF_CNF *cnf)
{
    const CNF_CHANNEL *ch;
    size_t  i, j, len;

    FZ_CHECK(cnf->nchannels >= 1 && strcmp(cnf->channels[0].name, "l") == 0,
	     "channel 0 is not l");
    for (i = 0; i < cnf->nchannels; i++) {
	ch = &cnf->channels[i];
	len = strlen(ch->name);
	FZ_CHECK(len >= 1 && len <= CNF_MAX_CHANNEL_NAME, "channel name \"%s\"", ch->name);
	for (j = 0; j < len; j++)
	    FZ_CHECK(!isupper((unsigned char) ch->name[j]), "channel name \"%s\"", ch->name);
	FZ_CHECK(pmdfcnf_channel(cnf, ch->name) == ch, "channel \"%s\" not found", ch->name);
	FZ_CHECK(ch->hosts.n >= 1, "channel \"%s\" has no official host", ch->name);
	for (j = 0; j < ch->hosts.n; j++)
	    FZ_CHECK(pmdfcnf_channel_by_host(cnf, ch->hosts.v[j]) == ch,
		     "host \"%s\" does not lead to channel \"%s\"", ch->hosts.v[j], ch->name);
	for (j = 0; j < ch->nkw; j++)
	    FZ_CHECK(pmdfcnf_keyword(ch, ch->kw[j].name) != NULL,
		     "keyword \"%s\" of \"%s\" not found", ch->kw[j].name, ch->name);
    }
    check_image(cnf);
}

static int is_blank(const STR *line)
{
    size_t  i;

    for (i = 0; i < line->len; i++)
	if (!isspace((unsigned char) line->s[i]))
	    return 0;
    return 1;
}

static void check_reader(const char *path, size_t size)
{
    CFG_OPTS opts = CFG_OPTS_INIT;
    CFG_READER *r;
    STR     line = STR_INIT, err = STR_INIT;
    long    v, lo, hi;
    int     n, count = 0;

    opts.comments = (int) (size % 4);
    opts.continuation = (int) (size / 4 % 2);
    opts.keep_blank = (int) (size / 8 % 2);
    opts.trim = (int) (size / 16 % 2);
    opts.includes = (int) (size / 32 % 2);
    opts.resolve = lnm_include_resolver;
    if ((r = cfg_open(path, &opts, &err)) == NULL) {
	FZ_CHECK(0, "cfg_open of a file just written failed: %s", STR_C(err));
	return;
    }
    while ((n = cfg_next(r, &line)) > 0) {
	FZ_CHECK(strlen(STR_C(line)) == line.len && memchr(STR_C(line), '\n', line.len) == NULL,
		 "a line holds a NUL or a newline");
	FZ_CHECK(line.len <= CFG_MAX_LINE, "a line of %lu bytes", (unsigned long) line.len);
	FZ_CHECK(cfg_lineno(r) >= 1, "line number %d", cfg_lineno(r));
	if (!opts.keep_blank)
	    FZ_CHECK(!is_blank(&line), "a blank line without keep_blank");
	if (opts.trim && line.len > 0)
	    FZ_CHECK(!isspace((unsigned char) line.s[line.len - 1]), "untrimmed line");
	if (count++ < 8) {
	    lo = count % 2 ? -1000 : 0;
	    hi = count % 3 ? 1000000 : 65535;
	    if (cfg_parse_int(STR_C(line), lo, hi, &v, &err) == 0)
		FZ_CHECK(v >= lo && v <= hi, "cfg_parse_int gave %ld outside %ld..%ld", v, lo, hi);
	}
    }
    if (n < 0)
	FZ_CHECK(strstr(cfg_errtext(r), ": ") != NULL, "error \"%s\"", cfg_errtext(r));
    cfg_close(r);
    str_free(&line);
    str_free(&err);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FZ_PIECE piece[2];
    PMDF_CNF cnf;
    STR     err = STR_INIT;
    size_t  n;

    fz_instance();
    n = fz_split(data, size, 0, piece, 2);
    fz_put("pmdf.cnf", piece[0].p, piece[0].n);
    fz_put("option.dat", n > 1 ? piece[1].p : (const uint8_t *) "", n > 1 ? piece[1].n : 0);
    check_reader(fz_path("pmdf.cnf"), size);
    if (pmdfcnf_load("PMDF_CONFIG_FILE:", &cnf, &err) < 0) {
	FZ_CHECK(err.len > 0 && cnf_empty(&cnf), "a failed load left data or no message");
	str_free(&err);
	return 0;
    }
    check_loaded(&cnf);
    if (pmdfcnf_options(&cnf, "PMDF_OPTION_FILE:", &err) < 0) {
	FZ_CHECK(err.len > 0 && cnf_empty(&cnf), "failed options left data or no message");
    } else {
	(void) pmdfcnf_option(&cnf, NULL, "BLOCK_SIZE");
	(void) pmdfcnf_option(&cnf, "tcp_local", "BLOCK_SIZE");
	check_image(&cnf);
    }
    pmdfcnf_free(&cnf);
    str_free(&err);
    return 0;
}
