/*
 * UPLOADING: fetch the provider's result, store it in the results (or
 * videos) bucket with a WebP thumbnail, ready for COMPLETED.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "video.h"
#include "worker.h"

#define RESULT_MAX	(200 * 1024 * 1024)
#define THUMB_SIDE	384

static int
upload_tryon(struct job_ctx *c, unsigned char *buf, size_t len)
{
	struct app	*a = c->app;
	struct image	 img = { 0 }, thumb = { 0 };
	unsigned char	*jpg = NULL, *webp = NULL;
	size_t		 jlen, wlen;
	struct image_info info;
	struct s3_error	 s3e;
	int		 rc = -1;

	if (image_probe(buf, len, &info) != IMAGE_OK ||
	    image_decode_scaled(buf, len, NULL, THUMB_SIDE, &img) != IMAGE_OK) {
		provider_error_set(&c->err, "provider_error", 1,
		    "uploading: the result is not an image");
		goto done;
	}
	if (image_fit(&img, THUMB_SIDE, &thumb) != IMAGE_OK ||
	    image_encode_webp(&thumb, 80, &webp, &wlen) != IMAGE_OK) {
		provider_error_set(&c->err, "internal", 1,
		    "uploading: thumbnail failed");
		goto done;
	}
	if (info.format != IMAGE_FMT_JPEG) {
		/* Store every result as JPEG, whatever the provider sent. */
		struct image full = { 0 };
		if (image_decode(buf, len, NULL, &full) != IMAGE_OK ||
		    image_encode_jpeg(&full, 90, &jpg, &jlen) != IMAGE_OK) {
			image_free(&full);
			provider_error_set(&c->err, "provider_error", 1,
			    "uploading: cannot convert the result");
			goto done;
		}
		image_free(&full);
		buf = jpg;
		len = jlen;
	}
	snprintf(c->result_key, sizeof(c->result_key), "tryons/%lld/%lld.jpg",
	    (long long)c->job.user_id, (long long)c->job.id);
	snprintf(c->thumb_key, sizeof(c->thumb_key),
	    "tryons/%lld/%lld.thumb.webp", (long long)c->job.user_id,
	    (long long)c->job.id);
	if (s3_put(a->s3, a->bucket[BUCKET_RESULTS], c->result_key, buf, len,
	    "image/jpeg", &s3e) != 0 ||
	    s3_put(a->s3, a->bucket[BUCKET_RESULTS], c->thumb_key, webp, wlen,
	    "image/webp", &s3e) != 0) {
		provider_error_set(&c->err, "storage_error", 1,
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

/*
 * An animation: check that it is a playable H.264 MP4 of a sensible
 * length, store it with a JPEG preview of its first frame.
 */
static int
upload_animation(struct job_ctx *c, unsigned char *buf, size_t len)
{
	struct app		*a = c->app;
	struct video_info	 vi;
	struct image		 frame = { 0 };
	unsigned char		*jpg = NULL;
	size_t			 jlen;
	char			 verr[128];
	struct s3_error		 s3e;
	int			 rc = -1;

	if (video_probe_mp4(buf, len, &vi) != 0 ||
	    strcmp(vi.codec, "h264") != 0 || vi.duration < 0.5 ||
	    vi.duration > 60) {
		provider_error_set(&c->err, "provider_error", 1,
		    "uploading: the result is not a playable H.264 MP4");
		goto done;
	}
	if (video_decode_frame(buf, len, 0, &frame, verr, sizeof(verr)) != 0 ||
	    video_preview(&frame, 720, &jpg, &jlen) != 0) {
		provider_error_set(&c->err, "provider_error", 1,
		    "uploading: no preview: %s", verr);
		goto done;
	}
	snprintf(c->result_key, sizeof(c->result_key),
	    "animations/%lld/%lld.mp4", (long long)c->job.user_id,
	    (long long)c->job.id);
	snprintf(c->thumb_key, sizeof(c->thumb_key),
	    "animations/%lld/%lld.preview.jpg", (long long)c->job.user_id,
	    (long long)c->job.id);
	if (s3_put(a->s3, a->bucket[BUCKET_VIDEOS], c->result_key, buf, len,
	    "video/mp4", &s3e) != 0 ||
	    s3_put(a->s3, a->bucket[BUCKET_VIDEOS], c->thumb_key, jpg, jlen,
	    "image/jpeg", &s3e) != 0) {
		provider_error_set(&c->err, "storage_error", 1,
		    "uploading: %ld %s", s3e.status, s3e.code);
		goto done;
	}
	rc = 0;
done:
	free(jpg);
	image_free(&frame);
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
		provider_error_set(&c->err, "storage_error", 1,
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
