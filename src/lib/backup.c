/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Backup archives, the pure part (backup.h). */
#include "backup.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

char *bk_manifest_format(const struct bk_manifest *m)
{
	struct json j;
	json_init(&j);
	json_obj(&j);
	json_key(&j, "format");
	json_u64(&j, m->format);
	json_key(&j, "cellctl");
	json_str(&j, m->version);
	json_key(&j, "ctid");
	json_u64(&j, m->ctid);
	json_key(&j, "uuid");
	json_str(&j, m->uuid);
	json_key(&j, "name");
	json_str(&j, m->name[0] ? m->name : NULL);
	json_key(&j, "ostemplate");
	json_str(&j, m->ostemplate[0] ? m->ostemplate : NULL);
	json_key(&j, "layout");
	json_str(&j, m->layout);
	json_key(&j, "ownership");
	json_str(&j, m->ownership);
	json_key(&j, "userns");
	json_bool(&j, m->userns);
	json_key(&j, "mode");
	json_str(&j, m->mode);
	json_key(&j, "created");
	json_str(&j, m->created);
	json_key(&j, "disk_kib");
	json_u64(&j, m->disk_kib);
	json_key(&j, "entries");
	json_u64(&j, m->entries);
	if (m->precopy) {
		json_key(&j, "precopy");
		json_bool(&j, true);
	}
	json_key(&j, "payload");
	json_str(&j, "sha256 in " BK_CHECKSUM);
	json_end(&j);
	return json_done(&j);
}

/* ---- a small reader for the manifest's flat object ---- */

static const char *ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* A JSON string at p (after its opening quote) into out (truncated to len-1); the position after
 * the closing quote, NULL when malformed. ASCII only: \u escapes beyond it, \u0000 and raw bytes
 * of 0x80 and above become '?' (so that what is read formats back to the same text). Control
 * characters from escapes are kept: whoever prints a manifest's string escapes it. */
static const char *str_at(const char *p, char *out, size_t len)
{
	size_t n = 0;
	for (;;) {
		char c = *p++;
		if (!c || (unsigned char)c < 0x20)
			return NULL;
		if (c == '"')
			break;
		if (c == '\\') {
			char e = *p++;
			switch (e) {
			case '"':
			case '\\':
			case '/':
				c = e;
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'u': {
				unsigned v = 0;
				for (int i = 0; i < 4; i++) {
					if (!isxdigit((unsigned char)p[i]))
						return NULL;
					v = v * 16 + (unsigned)(isdigit((unsigned char)p[i])
									? p[i] - '0'
									: (tolower((unsigned char)p[i]) - 'a' + 10));
				}
				p += 4;
				c = v && v < 0x80 ? (char)v : '?';
				break;
			}
			default:
				return NULL;
			}
		}
		if ((unsigned char)c >= 0x80)
			c = '?';
		if (n + 1 < len)
			out[n++] = c;
	}
	if (len)
		out[n] = '\0';
	return p;
}

struct field {
	const char *key;
	char *s; /* a string member into s (len) */
	size_t len;
	uint64_t *u; /* a number member */
	bool *b;     /* a boolean member */
};

int bk_manifest_parse(const char *text, struct bk_manifest *m)
{
	memset(m, 0, sizeof(*m));
	uint64_t format = 0, ctid = 0;
	bool have_format = false;
	struct field f[] = {
		{"cellctl", m->version, sizeof(m->version), NULL, NULL},
		{"uuid", m->uuid, sizeof(m->uuid), NULL, NULL},
		{"name", m->name, sizeof(m->name), NULL, NULL},
		{"ostemplate", m->ostemplate, sizeof(m->ostemplate), NULL, NULL},
		{"layout", m->layout, sizeof(m->layout), NULL, NULL},
		{"ownership", m->ownership, sizeof(m->ownership), NULL, NULL},
		{"mode", m->mode, sizeof(m->mode), NULL, NULL},
		{"created", m->created, sizeof(m->created), NULL, NULL},
		{"format", NULL, 0, &format, NULL},
		{"ctid", NULL, 0, &ctid, NULL},
		{"disk_kib", NULL, 0, &m->disk_kib, NULL},
		{"entries", NULL, 0, &m->entries, NULL},
		{"userns", NULL, 0, NULL, &m->userns},
		{"precopy", NULL, 0, NULL, &m->precopy},
	};
	const char *p = ws(text);
	if (*p++ != '{')
		return -EINVAL;
	p = ws(p);
	if (*p == '}')
		return -EINVAL;
	for (;;) {
		char key[64], sval[256];
		if (*p++ != '"' || !(p = str_at(p, key, sizeof(key))))
			return -EINVAL;
		p = ws(p);
		if (*p++ != ':')
			return -EINVAL;
		p = ws(p);
		struct field *fd = NULL;
		for (size_t i = 0; i < ARRAY_SIZE(f); i++)
			if (!strcmp(f[i].key, key))
				fd = &f[i];
		if (*p == '"') {
			if (!(p = str_at(p + 1, sval, sizeof(sval))))
				return -EINVAL;
			if (fd && fd->s)
				snprintf(fd->s, fd->len, "%s", sval);
			else if (fd)
				return -EINVAL;
		} else if (isdigit((unsigned char)*p)) {
			char *end;
			errno = 0;
			uint64_t v = strtoull(p, &end, 10);
			if (errno || (*end == '.' || *end == 'e' || *end == 'E'))
				return -EINVAL;
			p = end;
			if (fd && fd->u)
				*fd->u = v;
			else if (fd)
				return -EINVAL;
			if (fd && fd->u == &format)
				have_format = true;
		} else if (!strncmp(p, "true", 4) || !strncmp(p, "false", 5)) {
			bool v = *p == 't';
			p += v ? 4 : 5;
			if (fd && fd->b)
				*fd->b = v;
			else if (fd)
				return -EINVAL;
		} else if (!strncmp(p, "null", 4)) {
			p += 4;
			if (fd && !fd->s)
				return -EINVAL;
		} else {
			return -EINVAL;
		}
		p = ws(p);
		if (*p == '}')
			break;
		if (*p++ != ',')
			return -EINVAL;
		p = ws(p);
	}
	if (*ws(p + 1))
		return -EINVAL;
	if (!have_format || format == 0 || ctid > UINT32_MAX)
		return -EINVAL;
	if (format > BK_FORMAT) {
		m->format = format > UINT32_MAX ? UINT32_MAX : (unsigned)format;
		return -EPROTONOSUPPORT;
	}
	m->format = (unsigned)format;
	m->ctid = (unsigned)ctid;
	return 0;
}

bool bk_compress_ok(const char *compress)
{
	return compress && (!strcmp(compress, "zstd") || !strcmp(compress, "gzip") || !strcmp(compress, "none"));
}

char *bk_default_name(unsigned ctid, time_t t, const char *compress)
{
	if (!bk_compress_ok(compress))
		return NULL;
	const char *suffix = !strcmp(compress, "zstd") ? ".tar.zst" : !strcmp(compress, "gzip") ? ".tar.gz" : ".tar";
	struct tm tm;
	gmtime_r(&t, &tm);
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	return xasprintf("cellctl-%u-%s%s", ctid, stamp, suffix);
}
