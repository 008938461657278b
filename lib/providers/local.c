/*
 * The `local` provider: offline, deterministic, no generative AI.  It
 * reads its inputs through the presigned URLs it is given, as a hosted
 * provider would, takes the person's pose stored with the photo's
 * verdict (lib/posestore.h; found afresh with lib/pose.c and the
 * worker's loaded networks when none is), fits the outfit's garment to
 * it (lib/compose.c), and
 * publishes the result as a staging object in the results bucket, handing
 * back a presigned GET URL to it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "conftab.h"
#include "compose.h"
#include "image.h"
#include "log.h"
#include "pose.h"
#include "posestore.h"
#include "provider.h"
#include "video.h"

#define LOCAL_MAX_INPUT	(40 * 1024 * 1024)

struct local_ctx {
	struct app	*app;
	char		 staged[128];	/* the last staging object written */
};

/*
 * A staging key unique to this call: a worker that died mid-job may
 * still be writing its own, and S3 servers need not like a PUT and a
 * DELETE of one key racing.
 */
static void
staging_key(int64_t job_id, const char *ext, char *buf, size_t len)
{
	unsigned char	 r[6];
	unsigned int	 i;
	char		 hex[13];

	arc4random_buf(r, sizeof(r));
	for (i = 0; i < sizeof(r); i++)
		snprintf(hex + 2 * i, 3, "%02x", r[i]);
	snprintf(buf, len, "staging/%lld-%s.%s", (long long)job_id, hex, ext);
}

/* Download and decode one input image; 0 or -1 with err set. */
static int
fetch_image(struct app *a, const char *url, const char *what,
    struct image *img, struct job_error *err)
{
	unsigned char	*buf = NULL;
	size_t		 len;
	struct s3_error	 s3e;
	int		 rc;

	if (s3_fetch_url(a->s3, url, LOCAL_MAX_INPUT, &buf, &len, &s3e) != 0) {
		job_error_set(err, JOB_ERR_STORAGE_ERROR,
		    "local: fetching the %s: %ld %s", what, s3e.status,
		    s3e.code);
		return -1;
	}
	rc = image_decode_scaled(buf, len, NULL, 1600, img);
	free(buf);
	if (rc != IMAGE_OK) {
		job_error_set(err, JOB_ERR_PROVIDER_REJECTED,
		    "local: decoding the %s: %s", what, image_strerror(rc));
		return -1;
	}
	return 0;
}

/*
 * Store a result as this call's staging object and hand back a presigned
 * GET URL to it, as a hosted provider hands back its own.  0 or -1.
 */
static int
publish(struct local_ctx *c, enum bucket b, const char *ext,
    const unsigned char *data, size_t len, const char *ctype, int64_t job_id,
    char **url, struct job_error *err)
{
	struct app	*a = c->app;
	char		 key[128];
	struct s3_error	 s3e;

	staging_key(job_id, ext, key, sizeof(key));
	snprintf(c->staged, sizeof(c->staged), "%s", key);
	if (s3_put(a->s3, a->bucket[b], key, data, len, ctype, &s3e) != 0) {
		job_error_set(err, JOB_ERR_STORAGE_ERROR,
		    "local: storing the result: %ld %s", s3e.status, s3e.code);
		return -1;
	}
	*url = s3_presign_get(a->s3, a->bucket[b], key, 900, time(NULL));
	if (*url == NULL) {
		job_error_set(err, JOB_ERR_INTERNAL, "local: presign failed");
		return -1;
	}
	return 0;
}

static int
local_tryon(struct provider *p, const struct provider_tryon_req *rq,
    const struct provider_hooks *hooks, char **url,
    struct job_error *err)
{
	struct local_ctx	*c = p->ctx;
	struct app		*a = c->app;
	struct image		 person = { 0 }, outfit = { 0 }, loc = { 0 };
	struct image		 out = { 0 };
	struct compose_params	 cp;
	struct pose_person	*people = NULL;
	unsigned char		*jpg = NULL;
	size_t			 len;
	int			 rc = -1, cat, crc, npeople = 0;
	char			 perr[256];

	*url = NULL;
	if (fetch_image(a, rq->user_photo_url, "photo", &person, err) == -1 ||
	    fetch_image(a, rq->outfit_url, "outfit", &outfit, err) == -1)
		goto done;
	if (rq->location_url != NULL &&
	    fetch_image(a, rq->location_url, "location", &loc, err) == -1)
		goto done;
	if (hooks != NULL && hooks->heartbeat != NULL &&
	    hooks->heartbeat(hooks->arg) == -1) {
		job_error_set(err, JOB_ERR_INTERNAL, "local: job lost");
		goto done;
	}
	/*
	 * The main person with their landmarks and mask: the garment is
	 * fitted to them.  As stored with the photo's verdict, else found
	 * now (pose_detect() sorts the largest first).  Nobody found (QC
	 * turns such photos away before) or no networks loaded: compose
	 * guesses a pose.
	 */
	if (rq->pose != NULL) {
		people = calloc(1, sizeof(*people));
		if (people != NULL && pose_stored_person(rq->pose,
		    people) == 0)
			npeople = 1;
		else {
			free(people);
			people = NULL;
		}
	}
	if (npeople == 0 && a->pose != NULL && pose_detect(a->pose, &person,
	    &people, &npeople, perr, sizeof(perr)) != 0) {
		log_warnx("local: pose: %s", perr);
		people = NULL;
		npeople = 0;
	}
	cat = compose_cat_parse(rq->category);
	if (cat < 0)
		cat = COMPOSE_CAT_TOPS;
	compose_params_default(&cp);
	crc = compose_tryon(&person, npeople > 0 &&
	    pose_person_has_landmarks(&people[0]) ? &people[0] : NULL,
	    &outfit, (enum compose_cat)cat,
	    rq->location_url ? &loc : NULL, &cp, &out);
	if (crc != COMPOSE_OK) {
		job_error_set_final(err, JOB_ERR_PROVIDER_ERROR,
		    "local: composition failed: %s", compose_strerror(crc));
		goto done;
	}
	if (image_encode_jpeg(&out, 90, &jpg, &len) != IMAGE_OK) {
		job_error_set(err, JOB_ERR_PROVIDER_ERROR,
		    "local: encoding failed");
		goto done;
	}
	if (publish(c, BUCKET_RESULTS, "jpg", jpg, len, "image/jpeg",
	    rq->job_id, url, err) == -1)
		goto done;
	rc = 0;
done:
	pose_persons_free(people, npeople);
	free(jpg);
	image_free(&person);
	image_free(&outfit);
	image_free(&loc);
	image_free(&out);
	return rc;
}

/*
 * A try-on on a location taken apart for the parallax (compose_layers()):
 * the person cut out as the photo's stored pose outlines them, else as
 * the pose networks find them in img.  0 with *bg and *alpha, or -1
 * (the plain pan and zoom then does).
 */
static int
layers(struct app *a, const struct provider_animate_req *rq,
    const struct image *img, struct image *bg, unsigned char **alpha)
{
	struct image		 loc = { 0 };
	struct pose_person	*people = NULL;
	struct job_error	 ferr;
	char			 perr[256];
	int			 n = 0, rc = -1;

	if (fetch_image(a, rq->location_url, "location", &loc, &ferr) == -1) {
		log_warnx("local: parallax: %s", ferr.detail);
		return -1;
	}
	if (rq->pose != NULL) {
		people = calloc(1, sizeof(*people));
		if (people != NULL && pose_stored_person(rq->pose,
		    people) == 0)
			n = 1;
		else {
			free(people);
			people = NULL;
		}
	}
	if (n == 0 && a->pose != NULL && pose_detect(a->pose, img, &people,
	    &n, perr, sizeof(perr)) != 0) {
		log_warnx("local: parallax: pose: %s", perr);
		people = NULL;
		n = 0;
	}
	if (n > 0 && pose_person_has_landmarks(&people[0]) &&
	    compose_layers(img, &people[0], &loc, bg, alpha) == COMPOSE_OK)
		rc = 0;
	pose_persons_free(people, n);
	image_free(&loc);
	return rc;
}

/*
 * A 4 s H.264 MP4 with a slow pan and zoom over the still (lib/video.c),
 * published like a try-on result.  A try-on on a location moves in
 * depth: the person nearer the camera than the location behind them.
 */
static int
local_animate(struct provider *p, const struct provider_animate_req *rq,
    const struct provider_hooks *hooks, char **url,
    struct job_error *err)
{
	struct local_ctx	*c = p->ctx;
	struct app		*a = c->app;
	struct image		 img = { 0 }, bg = { 0 };
	struct video_params	 vp;
	unsigned char		*mp4 = NULL, *alpha = NULL;
	size_t			 len;
	char			 verr[128], id[24];
	int			 rc = -1;

	*url = NULL;
	if (fetch_image(a, rq->image_url, "image", &img, err) == -1)
		goto done;
	if (hooks != NULL && hooks->heartbeat != NULL &&
	    hooks->heartbeat(hooks->arg) == -1) {
		job_error_set(err, JOB_ERR_INTERNAL, "local: job lost");
		goto done;
	}
	if (rq->location_url != NULL &&
	    layers(a, rq, &img, &bg, &alpha) == -1) {
		image_free(&bg);
		free(alpha);
		alpha = NULL;
	}
	if (alpha != NULL) {
		snprintf(id, sizeof(id), "%lld", (long long)rq->job_id);
		log_kv(LOG_LVL_INFO, "animation in depth", "job_id", id,
		    "person", rq->pose != NULL ? "stored" : "found",
		    (char *)NULL);
	}
	video_params_default(&vp);
	vp.seconds = 4.0;
	if (video_parallax_mp4(&img, alpha != NULL ? &bg : NULL, alpha, &vp,
	    &mp4, &len, verr, sizeof(verr)) != 0) {
		job_error_set_final(err, JOB_ERR_PROVIDER_ERROR, "local: %s", verr);
		goto done;
	}
	if (publish(c, BUCKET_VIDEOS, "mp4", mp4, len, "video/mp4",
	    rq->job_id, url, err) == -1)
		goto done;
	rc = 0;
done:
	free(mp4);
	free(alpha);
	image_free(&bg);
	image_free(&img);
	return rc;
}

static void
local_release(struct provider *p, int64_t job_id)
{
	struct local_ctx	*c = p->ctx;
	struct s3_error		 s3e;

	if (c->staged[0] == '\0')
		return;
	(void)s3_delete(c->app->s3, c->app->bucket[strstr(c->staged, ".mp4") ?
	    BUCKET_VIDEOS : BUCKET_RESULTS], c->staged, &s3e);
	c->staged[0] = '\0';
}

static void
local_free(struct provider *p)
{
	free(p->ctx);
	free(p);
}

struct provider *
provider_local_new(struct app *a)
{
	struct provider		*p;
	struct local_ctx	*c;
	int64_t			 slots;

	/* Slots as for a hosted API: 0 (the default) is unlimited. */
	if (conf_get_int(a->cfg, CONF_PROVIDER_LOCAL_MAX_CONCURRENCY,
	    &slots) == -1)
		return NULL;
	p = calloc(1, sizeof(*p));
	c = calloc(1, sizeof(*c));
	if (p == NULL || c == NULL) {
		free(p);
		free(c);
		return NULL;
	}
	c->app = a;
	p->name = "local";
	p->places_location = 1;	/* compose_tryon() does it */
	p->max_concurrency = (int)slots;
	p->ctx = c;
	p->tryon = local_tryon;
	p->animate = local_animate;
	p->release = local_release;
	p->free = local_free;
	return p;
}
