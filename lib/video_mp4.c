/*
 * The MP4 box tables, checked before FFmpeg's demuxer sees a file (see
 * video_mp4.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "video_mp4.h"

/*
 * The mov demuxer sizes its sample tables from the counts a file declares
 * and allocates them before reading an entry: a few hundred bytes that
 * claim sixteen million chunk offsets cost hundreds of megabytes, and a
 * handful of such boxes gigabytes.  video_mp4_check() walks the boxes as
 * the demuxer will (every container, sizes clamped to the parent, tables
 * wherever they appear) and refuses, before FFmpeg sees the file, a table
 * whose declared entries do not fit in its own box, a file declaring more
 * than MP4_MAX_SAMPLES samples (also through sample-to-chunk runs), and
 * compressed movie headers (cmov), whose tables could not be checked.
 * A well-formed file always passes: its tables hold what they declare.
 */
#define MP4_MAX_DEPTH	16
#define MP4_MAX_SAMPLES	((uint64_t)1 << 22)	/* hours of 60 fps video */

struct mp4box {
	char	type[5];
	size_t	start;		/* offset of the box header */
	size_t	pay;		/* offset of the payload */
	size_t	end;		/* end of the payload, clamped to the parent */
};

/* The sample-to-chunk table and chunk count of the demuxer's last track. */
struct mp4trak {
	size_t		 stsc;		/* offset of the first entry, 0: none */
	uint64_t	 stsc_n;	/* entries */
	uint64_t	 chunks;
};

struct mp4lim {
	const unsigned char	*p;
	uint64_t		 samples;	/* declared so far */
	struct mp4trak		 last;
	char			*err;
	size_t			 errlen;
};

static uint32_t
rd32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * The box whose header starts at off, inside a parent ending at end:
 * 1 with *b filled, or 0 when no box header fits there (the demuxer
 * stops reading that parent too).  A size of 0 runs to the parent's end;
 * a size past it is clamped, as the demuxer clamps it.
 */
static int
mp4_box(const unsigned char *p, size_t off, size_t end, struct mp4box *b)
{
	uint64_t	size;
	size_t		hdr = 8;

	if (off > end || end - off < 8)
		return 0;
	size = rd32(p + off);
	if (size == 1) {
		if (end - off < 16)
			return 0;
		size = (uint64_t)rd32(p + off + 8) << 32 | rd32(p + off + 12);
		hdr = 16;
	} else if (size == 0)
		size = end - off;
	if (size < hdr)
		return 0;
	if (size > end - off)
		size = end - off;
	memcpy(b->type, p + off + 4, 4);
	b->type[4] = '\0';
	b->start = off;
	b->pay = off + hdr;
	b->end = off + (size_t)size;
	return 1;
}

void
video_mp4_boxes(const unsigned char *p, size_t len, int64_t *moov,
    int64_t *mdat)
{
	struct mp4box	b;
	size_t		off = 0;

	*moov = *mdat = -1;
	while (mp4_box(p, off, len, &b)) {
		if (strcmp(b.type, "moov") == 0 && *moov < 0)
			*moov = (int64_t)off;
		if (strcmp(b.type, "mdat") == 0 && *mdat < 0)
			*mdat = (int64_t)off;
		off = b.end;
	}
}

/* Is type one of the NULL-terminated list? */
static int
type_in(const char *type, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(type, *list) == 0)
			return 1;
	return 0;
}

/* Boxes the demuxer reads as a sequence of boxes ("free"/"hoov" too:
 * it takes one holding a movie header for a misnamed moov). */
static const char *const mp4_containers[] = {
	"moov", "trak", "mdia", "minf", "stbl", "edts", "dinf", "mvex",
	"moof", "traf", "mfra", "udta", "tref", "wave", "sinf", "schi",
	"rmra", "rmda", "tapt", "ilst", "clip", "matt", "hoov", "free",
	NULL
};

/* Tables mp4_table() checks. */
static const char *const mp4_tables[] = {
	"stts", "ctts", "stsc", "stco", "co64", "stss", "stps", "elst",
	"stsz", "stz2", "trun", "tfra", "sbgp", "saiz", "keys", NULL
};

/* Count the number of set bits of v. */
static unsigned
bits_set(uint32_t v)
{
	unsigned	n = 0;

	for (; v != 0; v &= v - 1)
		n++;
	return n;
}

/* Add n declared samples; -1 with the message past MP4_MAX_SAMPLES. */
static int
mp4_samples(struct mp4lim *l, const struct mp4box *b, uint64_t n)
{
	l->samples += n;
	if (l->samples <= MP4_MAX_SAMPLES)
		return 0;
	util_seterr(l->err, l->errlen,
	    "mp4: '%s' at %zu: the file declares more "
	    "than %llu samples", b->type, b->start,
	    (unsigned long long)MP4_MAX_SAMPLES);
	return -1;
}

/*
 * Samples the last track's sample-to-chunk runs add up to over its
 * chunks (each run lasts to the next run's first chunk, the last one to
 * the final chunk): -1 with the message past MP4_MAX_SAMPLES.
 */
static int
mp4_trak_check(struct mp4lim *l)
{
	const unsigned char	*e;
	uint64_t		 i, first, next, span, total = 0;

	if (l->last.stsc == 0)
		return 0;
	for (i = 0; i < l->last.stsc_n; i++) {
		e = l->p + l->last.stsc + i * 12;
		first = rd32(e) > 0 ? rd32(e) : 1;
		next = i + 1 < l->last.stsc_n ? rd32(e + 12) :
		    l->last.chunks + 1;
		if (next > l->last.chunks + 1)
			next = l->last.chunks + 1;
		span = next > first ? next - first : 0;
		total += span * rd32(e + 4);	/* < 2^64: span < 2^32 */
		if (total > MP4_MAX_SAMPLES) {
			util_seterr(l->err, l->errlen,
			    "mp4: 'stsc': its chunks "
			    "hold more than %llu samples",
			    (unsigned long long)MP4_MAX_SAMPLES);
			return -1;
		}
	}
	return 0;
}

/*
 * Check one table box: its fixed fields fit, and the entries it declares
 * fit in what is left of it.  0, or -1 with the message.
 */
static int
mp4_table(struct mp4lim *l, const struct mp4box *b)
{
	const unsigned char	*q = l->p + b->pay;
	size_t			 n = b->end - b->pay, h = 8;
	uint64_t		 count, esz = 4, fs, lens;
	uint32_t		 flags;

	if (n < 4)
		goto short_box;
	flags = rd32(q) & 0xffffff;
	if (strcmp(b->type, "stts") == 0 || strcmp(b->type, "ctts") == 0 ||
	    strcmp(b->type, "co64") == 0 || strcmp(b->type, "keys") == 0)
		esz = 8;
	else if (strcmp(b->type, "stsc") == 0)
		esz = 12;
	else if (strcmp(b->type, "elst") == 0)
		esz = q[0] == 1 ? 20 : 12;
	else if (strcmp(b->type, "sbgp") == 0) {	/* + grouping type */
		h = q[0] == 1 ? 16 : 12;
		esz = 8;
	} else if (strcmp(b->type, "stsz") == 0 ||
	    strcmp(b->type, "stz2") == 0) {
		h = 12;
		if (n < h)
			goto short_box;
		count = rd32(q + 8);
		if (mp4_samples(l, b, count) != 0)
			return -1;
		if (strcmp(b->type, "stz2") == 0) {
			fs = q[7];
			if ((count * fs + 7) / 8 > n - h)
				goto overflow;
			return 0;
		}
		if (rd32(q + 4) != 0)	/* one size for every sample */
			return 0;
		esz = 4;
	} else if (strcmp(b->type, "trun") == 0) {
		h = 8 + ((flags & 0x1) ? 4 : 0) + ((flags & 0x4) ? 4 : 0);
		esz = 4 * bits_set(flags & 0xf00);
		if (n < h)
			goto short_box;
		count = rd32(q + 4);
		if (mp4_samples(l, b, count) != 0)
			return -1;
		if (count * esz > n - h)
			goto overflow;
		return 0;
	} else if (strcmp(b->type, "tfra") == 0) {
		h = 16;
		if (n < h)
			goto short_box;
		lens = rd32(q + 8);
		esz = (q[0] == 1 ? 16 : 8) + ((lens >> 4) & 3) +
		    ((lens >> 2) & 3) + (lens & 3) + 3;
	} else if (strcmp(b->type, "saiz") == 0) {
		h = 4 + ((flags & 0x1) ? 8 : 0) + 5;
		if (n < h)
			goto short_box;
		esz = q[h - 5] == 0 ? 1 : 0;
	}
	if (n < h)
		goto short_box;
	count = rd32(q + h - 4);
	if (count * esz > n - h)
		goto overflow;
	if (strcmp(b->type, "stsc") == 0) {
		l->last.stsc = b->pay + h;
		l->last.stsc_n = count;
	} else if (strcmp(b->type, "stco") == 0 ||
	    strcmp(b->type, "co64") == 0)
		l->last.chunks = count;
	return 0;
short_box:
	util_seterr(l->err, l->errlen, "mp4: '%s' at %zu is too short for its "
	    "header", b->type, b->start);
	return -1;
overflow:
	util_seterr(l->err, l->errlen,
	    "mp4: '%s' at %zu declares %llu entries, "
	    "more than its %zu bytes hold", b->type, b->start,
	    (unsigned long long)count, n);
	return -1;
}

/*
 * A sample description's entries have codec-specific headers before their
 * own child boxes: look for checked tables at every offset instead (a
 * well-formed description holds none).
 */
static int
mp4_scan_stsd(struct mp4lim *l, const struct mp4box *b)
{
	struct mp4box	t;
	size_t		i;
	char		type[5];

	type[4] = '\0';
	for (i = b->pay; i + 8 <= b->end; i++) {
		/* Every checked table's type starts with one of these. */
		if (strchr("cekst", l->p[i + 4]) == NULL || l->p[i + 4] == '\0')
			continue;
		memcpy(type, l->p + i + 4, 4);
		if (!type_in(type, mp4_tables) || !mp4_box(l->p, i, b->end, &t))
			continue;
		if (mp4_table(l, &t) != 0)
			return -1;
	}
	return 0;
}

static int	mp4_walk(struct mp4lim *l, size_t off, size_t end, int depth);

/*
 * The demuxer reads a meta box from four bytes before the first "hdlr"
 * it finds at a multiple of four bytes into the payload.
 */
static int
mp4_walk_meta(struct mp4lim *l, const struct mp4box *b, int depth)
{
	size_t	q;

	for (q = b->pay; b->end - q > 8; q += 4)
		if (memcmp(l->p + q, "hdlr", 4) == 0)
			return mp4_walk(l, q - 4, b->end, depth + 1);
	return 0;
}

/* Walk the boxes in [off, end) and everything under them. */
static int
mp4_walk(struct mp4lim *l, size_t off, size_t end, int depth)
{
	struct mp4box	b;
	int		rc = 0;

	if (depth > MP4_MAX_DEPTH) {
		util_seterr(l->err, l->errlen,
		    "mp4: boxes nested deeper than %d",
		    MP4_MAX_DEPTH);
		return -1;
	}
	while (rc == 0 && mp4_box(l->p, off, end, &b)) {
		if (strcmp(b.type, "cmov") == 0) {
			util_seterr(l->err, l->errlen, "mp4: compressed movie "
			    "headers (cmov) are not accepted");
			return -1;
		}
		if (strcmp(b.type, "trak") == 0) {
			/* A new track: the last one is complete. */
			rc = mp4_trak_check(l);
			memset(&l->last, 0, sizeof(l->last));
			if (rc == 0)
				rc = mp4_walk(l, b.pay, b.end, depth + 1);
			if (rc == 0)
				rc = mp4_trak_check(l);
		} else if (type_in(b.type, mp4_containers))
			rc = mp4_walk(l, b.pay, b.end, depth + 1);
		else if (strcmp(b.type, "meta") == 0)
			rc = mp4_walk_meta(l, &b, depth);
		else if (strcmp(b.type, "stsd") == 0)
			rc = mp4_scan_stsd(l, &b);
		else if (type_in(b.type, mp4_tables))
			rc = mp4_table(l, &b);
		off = b.end;
	}
	return rc;
}

int
video_mp4_check(const unsigned char *p, size_t len, char *err,
    size_t errlen)
{
	struct mp4lim	l;

	memset(&l, 0, sizeof(l));
	l.p = p;
	l.err = err;
	l.errlen = errlen;
	if (mp4_walk(&l, 0, len, 0) != 0)
		return -1;
	return mp4_trak_check(&l);
}
