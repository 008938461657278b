/*
 * UPLOADING: fetch the provider's result, store it in the results (or
 * videos) bucket with a WebP thumbnail, ready for COMPLETED.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compose.h"
#include "image.h"
#include "log.h"
#include "outputs.h"
#include "util.h"
#include "video.h"
#include "worker.h"

#define RESULT_MAX	(200 * 1024 * 1024)
#define THUMB_SIDE	384
#define LOCATION_MAX	(40 * 1024 * 1024)

/*
 * Store output o of the job (its key set in c->result_key or
 * c->thumb_key): with the worker's own credentials, or, for an agent's
 * job, through the presigned PUT contour A gave for it.  0 or -1 with
 * s3e filled.
 */
static int
store_output(struct job_ctx *c, enum job_output o, const void *buf,
    size_t len, struct s3_error *s3e)
{
	struct app	*a = c->app;
	const char	*key;
	const char	*type = output_type(c->job.kind, o);

	key = o == JOB_OUT_RESULT ? c->result_key : c->thumb_key;
	if (output_key(c->job.kind, c->job.user_id, c->job.id, o,
	    o == JOB_OUT_RESULT ? c->result_key : c->thumb_key,
	    sizeof(c->result_key)) == -1) {
		memset(s3e, 0, sizeof(*s3e));
		util_strlcpy(s3e->code, "key", sizeof(s3e->code));
		return -1;
	}
	if (c->put_url[o] != NULL)
		return s3_put_url(a->s3, c->put_url[o], buf, len, type, s3e);
	return s3_put(a->s3, a->bucket[output_bucket(c->job.kind)], key, buf,
	    len, type, s3e);
}

/*
 * The provider dressed the person but could not put them in the chosen
 * location: do it here (lib/compose.c), so the stored result always
 * shows the location the user picked.  *jpg (malloc'd) gets the new
 * result as JPEG.  0 or -1 with the job's error set.
 */
static int
place_on_location(struct job_ctx *c, const unsigned char *buf, size_t len,
    unsigned char **jpg, size_t *jlen)
{
	struct app	*a = c->app;
	struct image	 person = { 0 }, loc = { 0 }, out = { 0 };
	unsigned char	*lbuf = NULL;
	char		*lurl = NULL, id[24];
	size_t		 llen;
	struct s3_error	 s3e;
	int		 rc = -1, found;

	if (image_decode_scaled(buf, len, NULL, 2048, &person) != IMAGE_OK) {
		job_error_set(&c->err, JOB_ERR_PROVIDER_ERROR,
		    "uploading: the result is not an image");
		goto done;
	}
	/* A fresh URL: the provider may have outlived the first one.  (An
	 * agent has only the one it was given.) */
	if (c->put_url[JOB_OUT_RESULT] != NULL)
		lurl = c->location_url ? strdup(c->location_url) : NULL;
	else
		lurl = s3_presign_get(a->s3, a->bucket[BUCKET_LOCATIONS],
		    c->location_key, 300, time(NULL));
	if (lurl == NULL || s3_fetch_url(a->s3, lurl, LOCATION_MAX, &lbuf,
	    &llen, &s3e) != 0) {
		if (lurl == NULL) {
			s3e.status = 0;
			util_strlcpy(s3e.code, "presign", sizeof(s3e.code));
		}
		job_error_set(&c->err, JOB_ERR_STORAGE_ERROR,
		    "uploading: fetching the location: %ld %s", s3e.status,
		    s3e.code);
		goto done;
	}
	/*
	 * The person as the pose networks find them in the vendor's result
	 * (the photo's pose would not do: a vendor may reframe), cut out by
	 * their mask; compose's guess only when nobody is found there.
	 */
	if (image_decode_scaled(lbuf, llen, NULL, 2048, &loc) != IMAGE_OK ||
	    compose_place_found(a->pose, &person, &loc, NULL, &out, &found) !=
	    COMPOSE_OK ||
	    image_encode_jpeg(&out, 90, jpg, jlen) != IMAGE_OK) {
		job_error_set(&c->err, JOB_ERR_INTERNAL,
		    "uploading: placing the person in the location failed");
		goto done;
	}
	snprintf(id, sizeof(id), "%lld", (long long)c->job.id);
	log_kv(LOG_LVL_INFO, "result placed in the location", "job_id", id,
	    "person", found ? "found" : "guessed", (char *)NULL);
	rc = 0;
done:
	free(lurl);
	free(lbuf);
	image_free(&person);
	image_free(&loc);
	image_free(&out);
	return rc;
}

/*
 * The NSFW classifier on what a provider made (a result image, a video's
 * preview), before anything is stored: 0 clean, 1 over [qc]
 * result_nsfw_max (c->err set: result_nsfw, final, and the job is never
 * charged), -1 the check failed (c->err set, retryable).
 */
static int
result_nsfw(struct job_ctx *c, const struct image *img)
{
	struct app	*a = c->app;
	float		 p[NSFW_NCLASSES];
	int		 rc;

	if (a->nsfw == NULL) {
		job_error_set(&c->err, JOB_ERR_INTERNAL,
		    "uploading: no NSFW classifier for the result");
		return -1;
	}
	rc = nsfw_classify(a->nsfw, img, p);
	if (rc != NSFW_OK) {
		job_error_set(&c->err, JOB_ERR_INTERNAL,
		    "uploading: the NSFW check failed (%d)", rc);
		return -1;
	}
	if (p[NSFW_PORN] + p[NSFW_HENTAI] > a->qc.result_nsfw_max) {
		job_error_set_final(&c->err, JOB_ERR_RESULT_NSFW,
		    "uploading: the result scored %.3f (porn + hentai)",
		    (double)(p[NSFW_PORN] + p[NSFW_HENTAI]));
		return 1;
	}
	return 0;
}

static int
upload_tryon(struct job_ctx *c, unsigned char *buf, size_t len)
{
	struct image	 img = { 0 }, thumb = { 0 };
	unsigned char	*jpg = NULL, *webp = NULL;
	size_t		 jlen, wlen;
	struct image_info info;
	struct s3_error	 s3e;
	int		 rc = -1;

	if (c->place_location) {
		if (place_on_location(c, buf, len, &jpg, &jlen) == -1)
			goto done;
		buf = jpg;
		len = jlen;
	}
	if (image_probe(buf, len, &info) != IMAGE_OK ||
	    image_decode_scaled(buf, len, NULL, THUMB_SIDE, &img) != IMAGE_OK) {
		job_error_set(&c->err, JOB_ERR_PROVIDER_ERROR,
		    "uploading: the result is not an image");
		goto done;
	}
	if (result_nsfw(c, &img) != 0)
		goto done;	/* nothing stored */
	if (image_fit(&img, THUMB_SIDE, &thumb) != IMAGE_OK ||
	    image_encode_webp(&thumb, 80, &webp, &wlen) != IMAGE_OK) {
		job_error_set(&c->err, JOB_ERR_INTERNAL,
		    "uploading: thumbnail failed");
		goto done;
	}
	if (info.format != IMAGE_FMT_JPEG && jpg == NULL) {
		/* Store every result as JPEG, whatever the provider sent. */
		struct image full = { 0 };
		if (image_decode(buf, len, NULL, &full) != IMAGE_OK ||
		    image_encode_jpeg(&full, 90, &jpg, &jlen) != IMAGE_OK) {
			image_free(&full);
			job_error_set(&c->err, JOB_ERR_PROVIDER_ERROR,
			    "uploading: cannot convert the result");
			goto done;
		}
		image_free(&full);
		buf = jpg;
		len = jlen;
	}
	if (store_output(c, JOB_OUT_RESULT, buf, len, &s3e) != 0 ||
	    store_output(c, JOB_OUT_THUMB, webp, wlen, &s3e) != 0) {
		job_error_set(&c->err, JOB_ERR_STORAGE_ERROR,
		    "uploading: %ld %s", s3e.status, s3e.code);
		goto done;
	}
	rc = 0;
done:
	free(jpg);
	free(webp);
	image_free(&img);
	image_free(&thumb);
	return rc;
}

#define PROBE_MEM_LIMIT	(1024UL * 1024 * 1024)	/* bytes of address space */
#define PROBE_CPU_LIMIT	20			/* seconds */
#define PREVIEW_MAX	(16 * 1024 * 1024)

/* Write all of buf to fd; 0 or -1. */
static int
write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
read_all(int fd, void *buf, size_t len)
{
	char	*p = buf;
	ssize_t	 n;

	while (len > 0) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Probe the provider's MP4 and make the preview in a child process under
 * memory and CPU limits: the demuxer sizes its tables from the file's own
 * sample counts, so a small hostile file could otherwise cost the worker
 * gigabytes.  On success *jpg (malloc'd) holds the preview.  0 or -1.
 */
static int
probe_contained(const unsigned char *buf, size_t len, struct video_info *vi,
    unsigned char **jpg, size_t *jlen, char *err, size_t errlen)
{
	int		 fds[2], status;
	pid_t		 pid;
	uint64_t	 n;

	*jpg = NULL;
	if (pipe(fds) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == -1) {
		close(fds[0]);
		close(fds[1]);
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		struct rlimit	 as = { PROBE_MEM_LIMIT, PROBE_MEM_LIMIT };
		struct rlimit	 cpu = { PROBE_CPU_LIMIT, PROBE_CPU_LIMIT };
		struct video_info cvi;
		struct image	 frame = { 0 };
		unsigned char	*cj = NULL;
		size_t		 cl = 0;
		char		 verr[128];

		close(fds[0]);
#ifndef __SANITIZE_ADDRESS__
		/* (AddressSanitizer reserves terabytes of address space.) */
		setrlimit(RLIMIT_AS, &as);
#else
		(void)as;
#endif
		setrlimit(RLIMIT_CPU, &cpu);
		if (video_probe_mp4(buf, len, &cvi) != 0 ||
		    video_decode_frame(buf, len, 0, &frame, verr,
		    sizeof(verr)) != 0 || video_preview(&frame, 720, &cj,
		    &cl) != 0)
			_exit(1);
		n = cl;
		if (write_all(fds[1], &cvi, sizeof(cvi)) == -1 ||
		    write_all(fds[1], &n, sizeof(n)) == -1 ||
		    write_all(fds[1], cj, cl) == -1)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read_all(fds[0], vi, sizeof(*vi)) != -1 &&
	    read_all(fds[0], &n, sizeof(n)) != -1 && n != 0 &&
	    n <= PREVIEW_MAX)
		*jpg = malloc((size_t)n);
	if (*jpg != NULL && read_all(fds[0], *jpg, (size_t)n) == -1) {
		free(*jpg);
		*jpg = NULL;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (*jpg == NULL || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(*jpg);
		*jpg = NULL;
		snprintf(err, errlen, "the video did not probe or decode "
		    "within the limits");
		return -1;
	}
	vi->codec[sizeof(vi->codec) - 1] = '\0';
	*jlen = (size_t)n;
	return 0;
}

/*
 * An animation: check that it is a playable H.264 MP4 of a sensible
 * length, store it with a JPEG preview of its first frame.
 */
static int
upload_animation(struct job_ctx *c, unsigned char *buf, size_t len)
{
	struct video_info	 vi;
	unsigned char		*jpg = NULL;
	size_t			 jlen;
	char			 verr[128];
	struct s3_error		 s3e;
	int			 rc = -1;

	if (probe_contained(buf, len, &vi, &jpg, &jlen, verr,
	    sizeof(verr)) == -1) {
		job_error_set(&c->err, JOB_ERR_PROVIDER_ERROR,
		    "uploading: %s", verr);
		goto done;
	}
	if (strcmp(vi.codec, "h264") != 0 || vi.duration < 0.5 ||
	    vi.duration > 60) {
		job_error_set(&c->err, JOB_ERR_PROVIDER_ERROR,
		    "uploading: the result is not a playable H.264 MP4");
		goto done;
	}
	{
		struct image prev = { 0 };
		int bad;
		if (image_decode_scaled(jpg, jlen, NULL, THUMB_SIDE, &prev) !=
		    IMAGE_OK) {
			job_error_set(&c->err, JOB_ERR_PROVIDER_ERROR,
			    "uploading: the video's preview does not decode");
			goto done;
		}
		bad = result_nsfw(c, &prev);
		image_free(&prev);
		if (bad != 0)
			goto done;	/* nothing stored */
	}
	if (store_output(c, JOB_OUT_RESULT, buf, len, &s3e) != 0 ||
	    store_output(c, JOB_OUT_THUMB, jpg, jlen, &s3e) != 0) {
		job_error_set(&c->err, JOB_ERR_STORAGE_ERROR,
		    "uploading: %ld %s", s3e.status, s3e.code);
		goto done;
	}
	rc = 0;
done:
	free(jpg);
	return rc;
}

int
stage_uploading(struct job_ctx *c)
{
	unsigned char	*buf = NULL;
	size_t		 len;
	struct s3_error	 s3e;
	int		 rc;

	if (s3_fetch_url(c->app->s3, c->result_url, RESULT_MAX, &buf, &len,
	    &s3e) != 0) {
		job_error_set(&c->err, JOB_ERR_STORAGE_ERROR,
		    "uploading: fetching the result: %ld %s", s3e.status,
		    s3e.code);
		return -1;
	}
	if (c->job.kind == JOB_KIND_TRYON)
		rc = upload_tryon(c, buf, len);
	else
		rc = upload_animation(c, buf, len);
	free(buf);
	return rc;
}
