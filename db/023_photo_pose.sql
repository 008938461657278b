-- The person in a user photo, stored with its verdict so that nothing
-- runs the pose networks on it again (lib/posestore.h): pose holds the
-- main person's 33 landmarks as x, y, z, visibility, presence each (x
-- and z over the image's width, y over its height); pose_mask the person
-- mask as a greyscale PNG, longer side at most 256 px.  Both NULL when
-- nobody was found or the photo was judged without the pose networks.
--
-- checking_until is the lease of a worker checking a pending photo:
-- it claims the photo (sets the lease) and commits before the slow
-- checks, so no row lock is held meanwhile; a lease run out (the
-- checker died) makes the photo claimable again.
ALTER TABLE photos
    ADD COLUMN pose real[] CHECK (pose IS NULL OR cardinality(pose) = 165),
    ADD COLUMN pose_mask bytea,
    ADD COLUMN checking_until timestamptz;
