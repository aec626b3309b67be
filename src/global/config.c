/*
 * NAME
 *	config - the whole MTA configuration, from text or from the image
 * DESCRIPTION
 *	See config.h.  The image is one file: header, then a zlib-compressed
 *	payload of pack.h records.  Loading it skips every text parser, the
 *	include and logical-name resolution of each line, and the building
 *	of per-line structures; the indexes are rebuilt from the records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>
#include <zlib.h>
#include "config.h"
#include "lnm.h"
#include "pack.h"
#include "mem.h"
#include "msg.h"

#define IMG_MAGIC	"PMDFIMG\n"
#define IMG_MAGIC_LEN	8
#define IMG_HEADER_LEN	(IMG_MAGIC_LEN + 12)
#define IMG_MAX		((size_t) 1 << 30)	/* 1 GiB of payload at most */

/* The spec for a file: its logical name when defined, else the default. */
static int config_spec(const char *logical, const char *dflt, STR *spec, STR *err)
{
    LNM_ENTRY ent;
    int     rc = lnm_lookup(logical, LNM_TABLE_ANY, &ent, err);

    if (rc < 0)
	return -1;
    if (rc > 0) {
	lnm_entry_free(&ent);
	str_printf(spec, "%s:", logical);
    } else
	str_cpy(spec, dflt);
    return 0;
}

static int config_path(const char *logical, const char *dflt, STR *path, STR *err)
{
    STR     spec = STR_INIT;
    int     rc;

    rc = config_spec(logical, dflt, &spec, err);
    if (rc == 0)
	rc = lnm_file(STR_C(spec), LNM_READ, path, err);
    str_free(&spec);
    return rc;
}

int     config_image_path(STR *path, STR *err)
{
    STR     spec = STR_INIT;
    int     rc;

    rc = config_spec("PMDF_CONFIG_DATA", "PMDF_TABLE:pmdf_config.dat", &spec, err);
    if (rc == 0)
	rc = lnm_file(STR_C(spec), LNM_CREATE, path, err);
    str_free(&spec);
    return rc;
}

static void config_add_source(STRLIST *l, const char *path)
{
    size_t  i;

    for (i = 0; i < l->n; i++)
	if (strcmp(l->v[i], path) == 0)
	    return;
    strlist_add(l, path);
}

static void config_add_sources(STRLIST *l, const STRLIST *more)
{
    size_t  i;

    for (i = 0; more && i < more->n; i++)
	config_add_source(l, more->v[i]);
}

void    config_free(CONFIG *cfg)
{
    pmdfcnf_free(&cfg->cnf);
    mapping_free(cfg->maps);
    alias_free(cfg->aliases);
    strlist_free(&cfg->sources);
    memset(cfg, 0, sizeof(*cfg));
}

/* ---- from the text files ------------------------------------------------ */

static int config_text(CONFIG *cfg, STR *err)
{
    STR     spec = STR_INIT, path = STR_INIT;
    size_t  i;
    int     rc;

    rc = config_spec("PMDF_CONFIG_FILE", "PMDF_TABLE:pmdf.cnf", &spec, err);
    if (rc == 0)
	rc = pmdfcnf_load(STR_C(spec), &cfg->cnf, err);
    if (rc == 0)
	rc = config_spec("PMDF_OPTION_FILE", "PMDF_TABLE:option.dat", &spec, err);
    if (rc == 0)
	rc = pmdfcnf_options(&cfg->cnf, STR_C(spec), err);
    if (rc == 0)
	rc = config_spec("PMDF_MAPPING_FILE", "PMDF_TABLE:mappings", &spec, err);
    if (rc == 0 && (rc = lnm_file(STR_C(spec), LNM_READ, &path, err)) == 0
	&& access(STR_C(path), F_OK) == 0)
	rc = mapping_load(STR_C(spec), &cfg->maps, err);
    if (rc == 0)
	rc = alias_load(NULL, NULL, &cfg->aliases, err);
    if (rc < 0) {
	str_free(&spec);
	str_free(&path);
	return -1;
    }
    /* Every file consulted, and the optional ones that could appear. */
    config_add_sources(&cfg->sources, &cfg->cnf.files);
    if (cfg->maps)
	config_add_sources(&cfg->sources, mapping_files(cfg->maps));
    config_add_sources(&cfg->sources, alias_files(cfg->aliases));
    if (config_path("PMDF_OPTION_FILE", "PMDF_TABLE:option.dat", &path, err) == 0)
	config_add_source(&cfg->sources, STR_C(path));
    if (config_path("PMDF_MAPPING_FILE", "PMDF_TABLE:mappings", &path, err) == 0)
	config_add_source(&cfg->sources, STR_C(path));
    if (config_path("PMDF_ALIAS_FILE", "PMDF_TABLE:aliases", &path, err) == 0)
	config_add_source(&cfg->sources, STR_C(path));
    for (i = 0; i < cfg->cnf.nchannels; i++) {
	str_printf(&spec, "PMDF_TABLE:%s_option", cfg->cnf.channels[i].name);
	if (lnm_file(STR_C(spec), LNM_READ, &path, err) == 0)
	    config_add_source(&cfg->sources, STR_C(path));
    }
    str_reset(err);
    str_free(&spec);
    str_free(&path);
    return 0;
}

/* ---- the image ------------------------------------------------------------ */

static void config_pack_source(STR *out, const char *path)
{
    struct stat st;
    char    num[32];
    int     exists = stat(path, &st) == 0;

    pack_str(out, path);
    pack_u32(out, (uint32_t) exists);
    snprintf(num, sizeof(num), "%lld", exists ? (long long) st.st_size : -1LL);
    pack_str(out, num);
    snprintf(num, sizeof(num), "%lld", exists ? (long long) st.st_mtime : -1LL);
    pack_str(out, num);
}

/* Is every source as it was?  Returns NULL, or why not. */
static const char *config_check_source(UNPACK *in, STR *why)
{
    struct stat st;
    char   *path = unpack_str(in);
    uint32_t existed = unpack_u32(in);
    char   *size = unpack_str(in), *mtime = unpack_str(in);
    char    num[32];
    int     exists;

    if (path == NULL || size == NULL || mtime == NULL) {
	free(path), free(size), free(mtime);
	return NULL;				/* the unpack failure is reported */
    }
    exists = stat(path, &st) == 0;
    str_reset(why);
    if (!existed) {
	if (exists)
	    str_printf(why, "%s was added", path);
    } else if (!exists) {
	str_printf(why, "%s was removed", path);
    } else {
	snprintf(num, sizeof(num), "%lld", (long long) st.st_size);
	if (strcmp(num, size) != 0)
	    str_printf(why, "%s was changed", path);
	snprintf(num, sizeof(num), "%lld", (long long) st.st_mtime);
	if (strcmp(num, mtime) != 0)
	    str_printf(why, "%s was changed", path);
    }
    free(path), free(size), free(mtime);
    return why->len ? STR_C(*why) : NULL;
}

static int config_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    ssize_t w;

    while (n > 0) {
	if ((w = write(fd, c, n)) < 0) {
	    if (errno == EINTR)
		continue;
	    return -1;
	}
	c += w;
	n -= (size_t) w;
    }
    return 0;
}

int     config_compile(const CONFIG *cfg, STR *path, STR *err)
{
    STR     raw = STR_INIT, img = STR_INIT, tmp = STR_INIT;
    uLongf  zlen;
    size_t  i;
    int     fd = -1, rc = -1;

    if (config_image_path(path, err) < 0)
	return -1;
    pack_str(&raw, "pmdf-config");
    pack_u32(&raw, (uint32_t) cfg->sources.n);
    for (i = 0; i < cfg->sources.n; i++)
	config_pack_source(&raw, cfg->sources.v[i]);
    pmdfcnf_save(&cfg->cnf, &raw);
    pack_u32(&raw, cfg->maps != NULL);
    if (cfg->maps)
	mapping_save(cfg->maps, &raw);
    alias_save(cfg->aliases, &raw);

    zlen = compressBound((uLong) raw.len);
    str_cpyn(&img, IMG_MAGIC, IMG_MAGIC_LEN);
    pack_u32(&img, CONFIG_IMAGE_VERSION);
    pack_u32(&img, (uint32_t) raw.len);
    pack_u32(&img, (uint32_t) crc32(0L, (const Bytef *) raw.s, (uInt) raw.len));
    str_reserve(&img, zlen);
    if (compress2((Bytef *) img.s + img.len, &zlen, (const Bytef *) raw.s, (uLong) raw.len,
		  6) != Z_OK) {
	str_printf(err, "%s: cannot compress the configuration", STR_C(*path));
	goto out;
    }
    img.len += zlen;

    str_printf(&tmp, "%s.new.%ld", STR_C(*path), (long) getpid());
    if ((fd = open(STR_C(tmp), O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0
	|| config_write_all(fd, img.s, img.len) < 0 || fsync(fd) < 0) {
	str_printf(err, "%s: cannot write: %s", STR_C(tmp), strerror(errno));
	goto out;
    }
    if (close(fd) < 0 || (fd = -1, rename(STR_C(tmp), STR_C(*path)) < 0)) {
	fd = -1;
	str_printf(err, "%s: cannot install: %s", STR_C(*path), strerror(errno));
	goto out;
    }
    fd = -1;
    rc = 0;
out:
    if (fd >= 0)
	close(fd);
    if (rc < 0 && tmp.len)
	unlink(STR_C(tmp));
    str_free(&raw);
    str_free(&img);
    str_free(&tmp);
    return rc;
}

/* Reads the image into raw; 0 ok, 1 no image, -1 unusable (why set). */
static int config_read_image(const char *path, STR *raw, STR *why)
{
    STR     img = STR_INIT;
    UNPACK  hdr;
    FILE   *fp;
    char    buf[65536];
    size_t  n;
    uLongf  rawlen;
    uint32_t version, len, crc;
    int     rc = -1;

    if ((fp = fopen(path, "rb")) == NULL) {
	if (errno == ENOENT)
	    return 1;
	str_printf(why, "cannot open: %s", strerror(errno));
	return -1;
    }
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0 && img.len <= IMG_MAX)
	str_catn(&img, buf, n);
    fclose(fp);
    if (img.len < IMG_HEADER_LEN || memcmp(img.s, IMG_MAGIC, IMG_MAGIC_LEN) != 0) {
	str_cpy(why, "not a configuration image");
	goto out;
    }
    unpack_init(&hdr, img.s + IMG_MAGIC_LEN, 12);
    version = unpack_u32(&hdr);
    len = unpack_u32(&hdr);
    crc = unpack_u32(&hdr);
    if (version != CONFIG_IMAGE_VERSION) {
	str_printf(why, "image format %u, this version reads %u", version,
		   CONFIG_IMAGE_VERSION);
	goto out;
    }
    if (len > IMG_MAX) {
	str_cpy(why, "damaged: impossible length");
	goto out;
    }
    str_reset(raw);
    str_reserve(raw, len);
    rawlen = len;
    if (uncompress((Bytef *) raw->s, &rawlen, (const Bytef *) img.s + IMG_HEADER_LEN,
		   (uLong) (img.len - IMG_HEADER_LEN)) != Z_OK || rawlen != len) {
	str_cpy(why, "damaged: does not decompress");
	goto out;
    }
    raw->len = rawlen;
    if ((uint32_t) crc32(0L, (const Bytef *) raw->s, (uInt) raw->len) != crc) {
	str_cpy(why, "damaged: checksum mismatch");
	goto out;
    }
    rc = 0;
out:
    str_free(&img);
    return rc;
}

/* 0 loaded, 1 not usable (why says it), -1 fatal. */
static int config_image(CONFIG *cfg, const char *path, STR *why, STR *err)
{
    STR     raw = STR_INIT, reason = STR_INIT;
    UNPACK  in;
    uint32_t n, i;
    char   *tag;
    int     rc;

    if ((rc = config_read_image(path, &raw, why)) != 0) {
	str_free(&raw);
	return 1;
    }
    unpack_init(&in, raw.s, raw.len);
    tag = unpack_str(&in);
    if (tag == NULL || strcmp(tag, "pmdf-config") != 0)
	str_cpy(why, "not a configuration image");
    free(tag);
    n = unpack_u32(&in);
    for (i = 0; i < n && why->len == 0 && !unpack_failed(&in); i++) {
	const char *stale = config_check_source(&in, &reason);

	if (stale)
	    str_printf(why, "stale: %s since it was built", stale);
    }
    rc = 1;
    if (why->len == 0 && !unpack_failed(&in)) {
	if (pmdfcnf_restore(&in, &cfg->cnf, why) == 0
	    && (!unpack_u32(&in) || mapping_restore(&in, &cfg->maps, why) == 0)
	    && alias_restore(&in, NULL, &cfg->aliases, why) == 0) {
	    if (unpack_done(&in))
		rc = 0;
	    else
		str_cpy(why, "damaged: trailing data");
	}
    } else if (why->len == 0)
	str_printf(why, "damaged: %s", in.why);
    if (rc != 0) {
	pmdfcnf_free(&cfg->cnf);
	mapping_free(cfg->maps);
	cfg->maps = NULL;
	alias_free(cfg->aliases);
	cfg->aliases = NULL;
    }
    (void) err;
    str_free(&raw);
    str_free(&reason);
    return rc;
}

int     config_load(CONFIG *cfg, int flags, STR *err)
{
    STR     path = STR_INIT, why = STR_INIT;
    int     rc;

    memset(cfg, 0, sizeof(*cfg));
    if (!(flags & CONFIG_TEXT)) {
	if (config_image_path(&path, err) < 0) {
	    str_free(&path);
	    return -1;
	}
	rc = config_image(cfg, STR_C(path), &why, err);
	if (rc == 0) {
	    cfg->from_image = 1;
	    str_free(&path);
	    str_free(&why);
	    return 0;
	}
	if (why.len)
	    msg_warn("%s: %s; reading the configuration files instead (run pmdf cnbuild)",
		     STR_C(path), STR_C(why));
    }
    rc = config_text(cfg, err);
    if (rc < 0)
	config_free(cfg);
    str_free(&path);
    str_free(&why);
    return rc;
}
