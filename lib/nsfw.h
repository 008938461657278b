/*
 * NSFW classifier: the MobileNetV2 network that the npm package nsfwjs
 * 4.4.0 ships (MIT), run in plain C.
 *
 * The weights file is produced by scripts/nsfw-convert from the pinned
 * package (BatchNorm folded, uint8 weights dequantised as tfjs does); its
 * format is documented there.  Input: 224x224 RGB, values in [0,1], NHWC.
 * Output: five probabilities in the order of enum nsfw_class.
 *
 * A loaded model may be shared by several threads.  It keeps one
 * pre-faulted scratch arena that a run claims atomically, so the usual run
 * allocates nothing; a run that finds it taken by another thread allocates
 * its own for the call.  Nothing is allocated per layer.
 */
#ifndef PRIMERKA_NSFW_H
#define PRIMERKA_NSFW_H

#include <stddef.h>

#define NSFW_INPUT_SIDE		224
#define NSFW_INPUT_FLOATS	(NSFW_INPUT_SIDE * NSFW_INPUT_SIDE * 3)
#define NSFW_NCLASSES		5
#define NSFW_DEFAULT_MODEL	"models/nsfw_mobilenet_v2.bin"

enum nsfw_class {
	NSFW_DRAWING = 0,
	NSFW_HENTAI,
	NSFW_NEUTRAL,
	NSFW_PORN,
	NSFW_SEXY
};

enum nsfw_err {
	NSFW_OK = 0,
	NSFW_ENOMEM = -1,
	NSFW_EINVAL = -2
};

struct image;
struct nsfw_model;

/*
 * Load and validate a weights file (every size, offset and layer shape is
 * checked; a damaged file is refused, never trusted).  Picks the fastest
 * kernel set this CPU supports.  Returns a model to free with nsfw_free(),
 * or NULL with a short message in err.
 */
struct nsfw_model	*nsfw_load(const char *path, char *err, size_t errlen);

/* Free a model; NULL is fine. */
void			 nsfw_free(struct nsfw_model *);

/*
 * Run the network on a 224x224x3 float tensor (NHWC, RGB, [0,1]).  Writes
 * the five probabilities to probs.  Returns NSFW_OK, NSFW_ENOMEM or
 * NSFW_EINVAL.
 */
int			 nsfw_run_tensor(const struct nsfw_model *,
			    const float *input, float probs[NSFW_NCLASSES]);

/*
 * nsfwjs preprocessing: RGBA8 image of any size -> 224x224x3 floats, as
 * tf.image.resizeBilinear(img / 255, [224, 224], alignCorners = true); the
 * alpha channel is ignored, as tf.browser.fromPixels does.  out must hold
 * NSFW_INPUT_FLOATS.  Returns NSFW_OK or NSFW_EINVAL (empty image).
 */
int			 nsfw_preprocess(const struct image *, float *out);

/* nsfw_preprocess() then nsfw_run_tensor(). */
int			 nsfw_classify(const struct nsfw_model *,
			    const struct image *, float probs[NSFW_NCLASSES]);

/* "Drawing", "Hentai", "Neutral", "Porn", "Sexy"; "?" out of range. */
const char		*nsfw_class_name(int);

/* Kernel set in use: "avx512", "avx2" or "generic". */
const char		*nsfw_isa(const struct nsfw_model *);

/*
 * Force a kernel set by name (for tests and benchmarks).  Returns 0, or -1
 * if the name is unknown or this CPU cannot run it (the model is then
 * unchanged).  Not to be called while another thread runs the model.
 */
int			 nsfw_set_isa(struct nsfw_model *, const char *name);

#endif /* PRIMERKA_NSFW_H */
