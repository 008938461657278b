/*
 * Where the person in a photo is: MediaPipe Pose's 33 body landmarks and
 * its person mask, computed in C (lib/pose.c over the network runtime in
 * lib/nn/).  This header is the contract between the pose code and its
 * users (QC's person checks, the offline try-on, location placement).
 */
#ifndef PRIMERKA_POSE_H
#define PRIMERKA_POSE_H

#include <stddef.h>

/* MediaPipe Pose's landmark indices (BlazePose topology). */
enum pose_lm {
	POSE_NOSE = 0,
	POSE_LEFT_EYE_INNER, POSE_LEFT_EYE, POSE_LEFT_EYE_OUTER,
	POSE_RIGHT_EYE_INNER, POSE_RIGHT_EYE, POSE_RIGHT_EYE_OUTER,
	POSE_LEFT_EAR, POSE_RIGHT_EAR,
	POSE_MOUTH_LEFT, POSE_MOUTH_RIGHT,
	POSE_LEFT_SHOULDER, POSE_RIGHT_SHOULDER,
	POSE_LEFT_ELBOW, POSE_RIGHT_ELBOW,
	POSE_LEFT_WRIST, POSE_RIGHT_WRIST,
	POSE_LEFT_PINKY, POSE_RIGHT_PINKY,
	POSE_LEFT_INDEX, POSE_RIGHT_INDEX,
	POSE_LEFT_THUMB, POSE_RIGHT_THUMB,
	POSE_LEFT_HIP, POSE_RIGHT_HIP,
	POSE_LEFT_KNEE, POSE_RIGHT_KNEE,
	POSE_LEFT_ANKLE, POSE_RIGHT_ANKLE,
	POSE_LEFT_HEEL, POSE_RIGHT_HEEL,
	POSE_LEFT_FOOT_INDEX, POSE_RIGHT_FOOT_INDEX,
	POSE_LM__MAX
};

/*
 * One landmark: x and y in pixels of the source image (they may lie
 * outside it), z relative depth as MediaPipe gives it, visibility and
 * presence in 0..1.
 */
struct pose_point {
	float	x;
	float	y;
	float	z;
	float	visibility;
	float	presence;
};

/*
 * One person found in an image.  box is the detector's box in source
 * pixels (x0, y0, x1, y1): the body's square (centred on the hips, half
 * side the distance to the detector's full-body scale keypoint; it may
 * extend past the image), not the face box the network also outputs.  mask, when not NULL, is mask_w * mask_h bytes
 * (the source image's size), 0..255 the probability that the pixel is
 * the person; it is owned by the struct and freed by pose_person_free().
 */
struct pose_person {
	float			 score;
	float			 box[4];
	struct pose_point	 lm[POSE_LM__MAX];
	unsigned char		*mask;
	int			 mask_w;
	int			 mask_h;
};

struct image;

/* The two graphs, as scripts/pose-convert installs them under models/. */
#define POSE_DETECTOR_FILE	"pose_detection.tflite"
#define POSE_LANDMARK_FILE	"pose_landmark_full.tflite"

/* Loaded networks and their scratch memory; one per thread. */
struct pose_model;

/* Free what a pose_person owns (its mask) and clear it; NULL is a no-op. */
void	pose_person_free(struct pose_person *p);

/*
 * Load both networks from dir (POSE_DETECTOR_FILE and POSE_LANDMARK_FILE).
 * Returns the model, or NULL with a message in err (errlen bytes).
 */
struct pose_model *pose_load(const char *dir, char *err, size_t errlen);

/*
 * Run the networks on lib/nn/'s own kernels (own != 0) instead of XNNPACK
 * when the build has XNNPACK (the parity test checks both).
 */
void	pose_model_own_kernels(struct pose_model *pm, int own);

/* Free a model from pose_load(); NULL is a no-op. */
void	pose_model_free(struct pose_model *pm);

/*
 * Find the people in an RGBA image, as MediaPipe Pose does on a still
 * image: the person detector over the whole (letterboxed) image, weighted
 * non-maximum suppression, then for the main person -- the one with the
 * largest box -- the rotated region from the detector's keypoints, the
 * landmark network, heatmap refinement, projection back to the image and
 * the segmentation mask warped back to the image's size.
 *
 * On success *out is an array of *n persons (0 when nobody is found),
 * sorted by box area, largest first; out[0] has landmarks and a mask
 * unless the landmark network judged there was no pose there
 * (pose_person_has_landmarks() says which); the others have a score and
 * a box only.  The caller frees the array with pose_persons_free().
 * Returns 0, or -1 with a message in err.
 */
int	pose_detect(struct pose_model *pm, const struct image *img,
	    struct pose_person **out, int *n, char *err, size_t errlen);

/* Whether p carries landmarks (and a mask), i.e. is the main person. */
int	pose_person_has_landmarks(const struct pose_person *p);

/* Free an array from pose_detect() and what its persons own. */
void	pose_persons_free(struct pose_person *p, int n);

#endif /* PRIMERKA_POSE_H */
