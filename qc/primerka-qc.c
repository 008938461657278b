/*
 * primerka-qc: run the quality and moderation checks on image files and
 * print every score and verdict, as text or JSON.  Operators use it to
 * tune the [qc] thresholds.
 *
 *   primerka-qc [-jpnN] [-k kind] [-m model] [-P dir] [-c config]
 *               [-s key=value] FILE...
 *
 *   -k kind    user_photo (default), outfit or location
 *   -j         JSON, one object per line ({"file": ..., report})
 *   -p         JSON, pretty-printed
 *   -m model   NSFW weights (default: [qc] model, else the installed
 *              weights, else models/nsfw_mobilenet_v2.bin)
 *   -n         skip the NSFW classifier
 *   -P dir     the pose models' directory for the person checks of user
 *              photos (default: the installed ones, else models/)
 *   -N         skip the person checks
 *   -c config  INI file whose [qc] section sets thresholds (default:
 *              $PRIMERKA_CONFIG when set); PRIMERKA_QC_<KEY> overrides
 *   -s k=v     set one threshold (after the config file), repeatable
 *   -l lang    language of the reason texts in text mode (en, ru)
 *
 * Exit status: 0 all accepted, 1 some rejected, 2 usage or system error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config.h"
#include "conftab.h"
#include "image.h"
#include "nsfw.h"
#include "qc.h"

#define QC_CLI_MAX_FILE	(256u * 1024 * 1024)

static void
usage(void)
{
	fprintf(stderr, "usage: primerka-qc [-jpnN] [-k user_photo|outfit|"
	    "location] [-m model] [-P dir]\n"
	    "                   [-c config] [-s key=value] [-l en|ru] "
	    "FILE...\n");
	exit(2);
}

/* Read a whole file (at most max bytes).  Caller frees *buf. */
static int
slurp(const char *path, size_t max, unsigned char **buf, size_t *len)
{
	FILE		*f;
	unsigned char	*b = NULL, *nb;
	size_t		 n = 0, cap = 0, got;

	*buf = NULL;
	*len = 0;
	f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > max + 1)
				cap = max + 1;
			nb = realloc(b, cap);
			if (nb == NULL)
				goto fail;
			b = nb;
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
		if (n > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
fail:
	free(b);
	fclose(f);
	return -1;
}

/* Apply "key=value"; returns 0 or -1. */
static int
set_kv(struct qc_config *c, const char *kv)
{
	char		 key[64];
	const char	*eq;
	size_t		 kl;

	if (kv == NULL)
		return -1;
	eq = strchr(kv, '=');
	if (eq == NULL)
		return -1;
	kl = (size_t)(eq - kv);
	if (kl == 0 || kl >= sizeof(key))
		return -1;
	memcpy(key, kv, kl);
	key[kl] = '\0';
	return qc_config_set(c, key, eq + 1);
}

/*
 * The per-outfit verdict for category cat (qc_check_fit()): the reason's
 * code, or "ok".
 */
static const char *
fit_code(const struct qc_config *c, const struct pose_stored *ps,
    const struct qc_report *r, int cat)
{
	enum qc_reason	 why;

	why = qc_check_fit(c, ps, r->width, r->height, (enum compose_cat)cat);
	return why == QC_R_COUNT ? "ok" : qc_reason_code(why);
}

/* "fit": {"tops": "ok"|code, ...}, for a user photo with a person. */
static int
fit_json(json_object *o, const struct qc_config *c,
    const struct pose_stored *ps, const struct qc_report *r)
{
	json_object	*f;
	int		 k;

	if (!ps->done)
		return 0;
	f = json_object_new_object();
	if (f == NULL || json_object_object_add(o, "fit", f) != 0) {
		json_object_put(f);
		return -1;
	}
	for (k = 0; k < COMPOSE_CAT__MAX; k++)
		if (json_object_object_add(f, compose_cat_names[k],
		    json_object_new_string(fit_code(c, ps, r, k))) != 0)
			return -1;
	return 0;
}

static void
print_text(const char *file, const struct qc_config *c,
    const struct qc_report *r, const struct pose_stored *ps,
    const char *lang)
{
	int	 i;

	printf("%s: %s", file, r->accepted ? "accept" : "reject");
	for (i = 0; i < r->nreasons; i++)
		printf("%s%s", i ? ", " : " (", qc_reason_code(r->reasons[i]));
	printf("%s\n", r->nreasons ? ")" : "");
	printf("  kind %s, %s, %dx%d, %zu bytes, orientation %d\n",
	    qc_kind_name(r->kind), r->format, r->width, r->height, r->bytes,
	    r->orientation);
	if (r->decode_error != NULL)
		printf("  error: %s\n", r->decode_error);
	if (r->decoded) {
		printf("  analysis %dx%d; ms: decode %.2f, checks %.2f, "
		    "nsfw %.2f\n", r->analysis_w, r->analysis_h, r->ms_decode,
		    r->ms_checks, r->ms_nsfw);
		printf("  stddev %.2f (blank below %.2f)\n", r->stddev,
		    c->blank_min_stddev);
		printf("  blur %.2f (blurry below %.2f), laplacian_var %.2f\n",
		    r->blur_score, c->blur_min, r->lap_var);
		printf("  luma mean %.1f p5 %.0f p50 %.0f p95 %.0f, dark %.3f, "
		    "bright %.3f (dark if p95 < %.0f, bright if p5 > %.0f)\n",
		    r->luma_mean, r->luma_p5, r->luma_p50, r->luma_p95,
		    r->dark_share, r->bright_share, c->dark_max_p95,
		    c->bright_min_p5);
		if (r->nsfw_done) {
			printf("  nsfw");
			for (i = 0; i < NSFW_NCLASSES; i++)
				printf(" %s %.4f", nsfw_class_name(i),
				    r->nsfw[i]);
			printf(" (porn+hentai max %.2f, sexy max %.2f)\n",
			    c->nsfw_max, c->sexy_max);
		} else
			printf("  nsfw not checked (no model)\n");
	}
	if (r->person_done) {
		printf("  people: %d, main size %.3f (min %.2f), dominance "
		    "%.2f (min %.2f), landmarks %s; ms pose %.2f\n",
		    r->npersons, r->person_size, c->person_min_size,
		    r->person_dominance, c->person_dominance,
		    r->landmarks_done ? "yes" : "no", r->ms_pose);
	} else if (r->kind == QC_USER_PHOTO && r->decoded)
		printf("  people not checked (no pose model)\n");
	if (ps->done) {
		printf("  outfits (at try-on):");
		for (i = 0; i < COMPOSE_CAT__MAX; i++)
			printf(" %s %s", compose_cat_names[i],
			    fit_code(c, ps, r, i));
		printf("\n");
	}
	if (r->comp_done) {
		printf("  composition: background #%02x%02x%02x uniform %.3f "
		    "(min %.2f), fill %.3f (min %.2f)\n", r->bg_rgb[0],
		    r->bg_rgb[1], r->bg_rgb[2], r->bg_uniform,
		    c->bg_min_uniform, r->fill, c->fill_min);
		printf("    fragmented %.3f (max %.2f), bbox %.3f %.3f %.3f %.3f\n",
		    r->fragmented, c->fragment_max, r->bbox[0], r->bbox[1],
		    r->bbox[2], r->bbox[3]);
		printf("    edges top %.3f right %.3f bottom %.3f left %.3f "
		    "(cut off above %.2f)\n", r->edge[0], r->edge[1],
		    r->edge[2], r->edge[3], c->cut_max);
	}
	if (r->tags_done) {
		printf("  tags:");
		for (i = 0; i < r->ntags; i++)
			printf(" %s", r->tags[i]);
		printf("\n  colours:");
		for (i = 0; i < r->ncolours; i++)
			printf(" %s %.2f #%02x%02x%02x", r->colours[i].name,
			    r->colours[i].share, r->colours[i].rgb[0],
			    r->colours[i].rgb[1], r->colours[i].rgb[2]);
		printf("\n  cues: brightness %s, time %s, colourfulness %.1f, "
		    "sky %.3f, green %.3f, warmth %.1f, edges %.3f\n",
		    r->brightness, r->time_of_day, r->colourfulness,
		    r->sky_share, r->green_share, r->warmth, r->edge_density);
		printf("  description (en): %s\n", r->description[LANG_EN]);
		printf("  description (ru): %s\n", r->description[LANG_RU]);
	}
	for (i = 0; i < r->nreasons; i++)
		printf("  %s: %s\n", qc_reason_code(r->reasons[i]),
		    qc_reason_message(r->reasons[i], lang_parse(lang)));
}

/* Load [qc] keys from an INI file (environment overrides included). */
static int
load_config(const char *path, struct qc_config *c, const char **model)
{
	struct config	*cfg;
	char		 err[256];
	const char	*v;

	cfg = config_load(path, 0, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "primerka-qc: %s\n", err);
		return -1;
	}
	if (conf_fill(cfg, CONF_TGT_QC, NULL, c, err, sizeof(err)) == -1) {
		fprintf(stderr, "primerka-qc: %s: %s\n", path, err);
		config_free(cfg);
		return -1;
	}
	/* [qc] model, as the services read it. */
	v = conf_get_set(cfg, CONF_QC_MODEL);
	if (v != NULL && *model == NULL) {
		*model = strdup(v);
		if (*model == NULL) {
			config_free(cfg);
			return -1;
		}
	}
	config_free(cfg);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct qc_config	 cfg;
	struct qc_report	 rep;
	struct pose_stored	 ps;
	struct nsfw_model	*model = NULL;
	struct pose_model	*pose = NULL;
	const char		*posedir = NULL;
	enum qc_kind		 kind = QC_USER_PHOTO;
	const char		*modelpath = NULL, *cfgpath, *lang = "en";
	const char		*cfgmodel = NULL;
	char			 err[256];
	unsigned char		*buf;
	size_t			 len;
	int			 ch, json = 0, pretty = 0, nonsfw = 0, i;
	int			 nopose = 0;
	int			 status = 0, rc, nsets = 0;
	char			**sets;
	json_object		*o;

	qc_config_default(&cfg);
	sets = calloc((size_t)argc, sizeof(*sets));
	if (sets == NULL)
		return 2;
	cfgpath = getenv("PRIMERKA_CONFIG");
	for (;;) {
		ch = getopt(argc, argv, "c:jk:l:m:nNpP:s:");
		if (ch == -1)
			break;
		switch (ch) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'k':
			if (qc_kind_parse(optarg, &kind) != 0)
				usage();
			break;
		case 'l':
			lang = optarg;
			break;
		case 'm':
			modelpath = optarg;
			break;
		case 'n':
			nonsfw = 1;
			break;
		case 'N':
			nopose = 1;
			break;
		case 'P':
			posedir = optarg;
			break;
		case 'p':
			json = pretty = 1;
			break;
		case 's':
			sets[nsets++] = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	if (cfgpath != NULL && *cfgpath != '\0' &&
	    load_config(cfgpath, &cfg, &cfgmodel) != 0) {
		status = 2;
		goto out;
	}
	for (i = 0; i < nsets; i++) {
		if (set_kv(&cfg, sets[i]) != 0) {
			fprintf(stderr, "primerka-qc: bad setting '%s'\n",
			    sets[i]);
			status = 2;
			goto out;
		}
	}
	if (!nonsfw) {
		/* The installed weights, else those of a source tree. */
		const char *p = modelpath != NULL ? modelpath :
		    cfgmodel != NULL ? cfgmodel :
		    access(PRIMERKA_DATADIR "/nsfw_mobilenet_v2.bin", R_OK) == 0 ?
		    PRIMERKA_DATADIR "/nsfw_mobilenet_v2.bin" : NSFW_DEFAULT_MODEL;

		model = nsfw_load(p, err, sizeof(err));
		if (model == NULL) {
			fprintf(stderr, "primerka-qc: %s (use -n to skip "
			    "NSFW, or run scripts/nsfw-convert)\n", err);
			status = 2;
			goto out;
		}
	}
	if (!nopose && kind == QC_USER_PHOTO) {
		const char *d = posedir != NULL ? posedir :
		    access(PRIMERKA_DATADIR "/" POSE_LANDMARK_FILE, R_OK) == 0 ?
		    PRIMERKA_DATADIR : "models";

		pose = pose_load(d, err, sizeof(err));
		if (pose == NULL) {
			fprintf(stderr, "primerka-qc: %s (use -N to skip the "
			    "person checks, or run scripts/pose-convert)\n",
			    err);
			status = 2;
			goto out;
		}
	}
	for (i = 0; i < argc; i++) {
		if (slurp(argv[i], QC_CLI_MAX_FILE, &buf, &len) != 0) {
			fprintf(stderr, "primerka-qc: %s: %s\n", argv[i],
			    strerror(errno));
			status = 2;
			continue;
		}
		rc = qc_check_people_keep(&cfg, model, pose, kind, buf, len,
		    &rep, &ps);
		free(buf);
		if (rc != QC_OK) {
			pose_stored_free(&ps);
			fprintf(stderr, "primerka-qc: %s: internal error %d\n",
			    argv[i], rc);
			status = 2;
			continue;
		}
		if (!rep.accepted && status == 0)
			status = 1;
		if (!json) {
			print_text(argv[i], &cfg, &rep, &ps, lang);
			pose_stored_free(&ps);
			continue;
		}
		o = qc_report_to_json(&rep);
		if (o == NULL || json_object_object_add(o, "file",
		    json_object_new_string(argv[i])) != 0 ||
		    fit_json(o, &cfg, &ps, &rep) != 0) {
			json_object_put(o);
			pose_stored_free(&ps);
			status = 2;
			continue;
		}
		pose_stored_free(&ps);
		printf("%s\n", json_object_to_json_string_ext(o,
		    (pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN) |
		    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
out:
	nsfw_free(model);
	pose_model_free(pose);
	free((char *)cfgmodel);
	free(sets);
	return status;
}
