/*
 * libFuzzer target for the image decoders' entry point and the quality
 * checks behind it (no NSFW model: that input is trusted, ours).
 *
 * Built and run by scripts/fuzz with clang -fsanitize=fuzzer,address,
 * undefined.  Each input goes through image_probe(), image_decode() and
 * image_decode_scaled() under small limits (so a fuzzer-made header cannot
 * ask for more memory than a real upload could), then qc_check() and the
 * JSON report for one of the three kinds, chosen by the input's length.
 *
 * fuzz-sources: lib/image.c lib/image_resize.c lib/image_encode.c
 * fuzz-sources: lib/qc.c lib/qc_json.c lib/scene.c lib/nsfw.c
 * fuzz-sources: lib/conftab.c lib/config.c lib/util.c lib/nn/graph.c
 * fuzz-sources: lib/nn/kernels.c lib/jsonv.c lib/pose.c lib/nn/tflite.c
 * fuzz-sources: lib/nn/tflite_run.c lib/nn/tflite_kern.c lib/nn/tflite_xnn.c
 * fuzz-sources: lib/jobs.c lib/posestore.c
 * fuzz-pkgs: json-c libjpeg libpng libwebp libpq libcrypto
 * fuzz-corpus: fuzz/corpus/image
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "image.h"
#include "qc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_limits	 lim;
	struct image_info	 ii;
	struct image		 img;
	struct qc_config	 cfg;
	struct qc_report	 r;
	json_object		*o;
	enum qc_kind		 kind = (enum qc_kind)(size % 3);

	memset(&lim, 0, sizeof(lim));
	lim.max_bytes = 4u * 1024 * 1024;
	lim.max_pixels = 4u * 1024 * 1024;
	lim.max_width = 8192;
	lim.max_height = 8192;

	if (image_probe(data, size, &ii) == IMAGE_OK)
		(void)image_check_limits(&ii, size, &lim);
	if (image_decode(data, size, &lim, &img) == IMAGE_OK) {
		/* Whatever decodes must be self-consistent. */
		if (img.w < 1 || img.h < 1 || img.px == NULL)
			__builtin_trap();
		img.px[(size_t)img.w * img.h * 4 - 1] ^= 1;
		image_free(&img);
	}
	if (image_decode_scaled(data, size, &lim, 97, &img) == IMAGE_OK) {
		if (img.w > 97 || img.h > 97)
			__builtin_trap();
		image_free(&img);
	}

	qc_config_default(&cfg);
	cfg.max_pixels = lim.max_pixels;
	cfg.max_width = lim.max_width;
	cfg.max_height = lim.max_height;
	cfg.analysis_side = 128;	/* keep each run fast */
	if (qc_check(&cfg, NULL, kind, data, size, &r) != QC_OK)
		return 0;
	if (r.accepted != (r.nreasons == 0))
		__builtin_trap();
	o = qc_report_to_json(&r);
	if (o != NULL) {
		(void)json_object_to_json_string(o);
		json_object_put(o);
	}
	return 0;
}
