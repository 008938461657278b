/*
 * Names, keys and types of a job's stored outputs (lib/outputs.h).
 */
#include <stdio.h>

#include "outputs.h"

const char *const job_output_names[JOB_OUT__MAX] = { "result", "thumb" };

/* Per kind: the key's folder, each output's suffix and type. */
static const struct {
	const char	*folder;
	const char	*suffix[JOB_OUT__MAX];
	const char	*type[JOB_OUT__MAX];
} kinds[JOB_KIND__MAX] = {
	[JOB_KIND_TRYON] = { "tryons", { ".jpg", ".thumb.webp" },
	    { "image/jpeg", "image/webp" } },
	[JOB_KIND_ANIMATION] = { "animations", { ".mp4", ".preview.jpg" },
	    { "video/mp4", "image/jpeg" } },
};

enum bucket
output_bucket(enum job_kind k)
{
	return k == JOB_KIND_ANIMATION ? BUCKET_VIDEOS : BUCKET_RESULTS;
}

const char *
output_type(enum job_kind k, enum job_output o)
{
	if ((unsigned)k >= JOB_KIND__MAX || (unsigned)o >= JOB_OUT__MAX)
		return "application/octet-stream";
	return kinds[k].type[o];
}

int
output_key(enum job_kind k, int64_t user_id, int64_t job_id,
    enum job_output o, char *buf, size_t len)
{
	int	 n;

	if ((unsigned)k >= JOB_KIND__MAX || (unsigned)o >= JOB_OUT__MAX)
		return -1;
	n = snprintf(buf, len, "%s/%lld/%lld%s", kinds[k].folder,
	    (long long)user_id, (long long)job_id, kinds[k].suffix[o]);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
