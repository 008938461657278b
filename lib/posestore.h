/*
 * posestore: a photo's main person as it is stored with the photo's
 * verdict (db/023_photo_pose.sql), so that nothing downstream runs the
 * pose networks again: the 33 landmarks in image-relative units
 * (photos.pose, a real[] of x, y, z, visibility, presence per landmark;
 * x and z over the width, y over the height, as MediaPipe normalises
 * them) and the person mask as a small greyscale PNG (photos.pose_mask,
 * longer side at most POSE_STORE_MASK_SIDE pixels: the segmentation
 * network's own resolution).
 */
#ifndef PRIMERKA_POSESTORE_H
#define PRIMERKA_POSESTORE_H

#include <stddef.h>

#include "pose.h"

#define POSE_STORE_MASK_SIDE	256
#define POSE_STORE_NFLOATS	(POSE_LM__MAX * 5)

struct pose_stored {
	int		 done;		/* 1: lm holds a person */
	float		 lm[POSE_LM__MAX][5];	/* x, y, z, vis, presence */
	unsigned char	*mask_png;	/* owned; NULL when no mask */
	size_t		 mask_len;
};

/* Free what s owns and clear it; NULL is a no-op. */
void	pose_stored_free(struct pose_stored *s);

/*
 * Fill s (cleared first) from a person with landmarks found on an image
 * of w x h pixels: landmarks normalised, mask (if any) shrunk to at
 * most POSE_STORE_MASK_SIDE and PNG-encoded.  0, or -1 when out of
 * memory or p has no landmarks (s then stays cleared).
 */
int	pose_stored_set(struct pose_stored *s, const struct pose_person *p,
	    int w, int h);

/*
 * The landmarks as a PostgreSQL array literal ("{x,y,...}") in buf of
 * len bytes (POSE_STORE_TEXT_MAX is enough).  0, or -1 if it does not
 * fit.
 */
#define POSE_STORE_TEXT_MAX	(POSE_STORE_NFLOATS * 16 + 4)
int	pose_stored_lm_text(const struct pose_stored *s, char *buf,
	    size_t len);

/*
 * Parse a real[] literal as PostgreSQL prints it back into s->lm (sets
 * s->done).  Exactly POSE_STORE_NFLOATS finite numbers or -1 (s->done
 * stays 0).
 */
int	pose_stored_lm_parse(struct pose_stored *s, const char *text);

/*
 * The stored pose as a struct pose_person: the mask decoded at its
 * stored size (mask_w x mask_h), the landmarks and box in pixels of that
 * frame, as lib/compose.h takes a pose with a mask (it brings both to
 * the photo, of the same framing at any size).  0, or -1 when s holds no
 * person, its mask is missing or cannot be decoded, or on allocation
 * failure (p is then cleared).  The caller frees p with
 * pose_person_free().
 */
int	pose_stored_person(const struct pose_stored *s, struct pose_person *p);

#endif /* PRIMERKA_POSESTORE_H */
