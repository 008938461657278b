-- Catalogue images get the NSFW verdict too.  The API processes do not
-- load the classifier, so an outfit or location image written through
-- the API is checked by the worker (batch/catalog.c) when its queue is
-- idle; primerka-admin checks at once and records the time itself.
-- nsfw_checked_at NULL: the current image still waits for the verdict.
ALTER TABLE outfits ADD COLUMN nsfw_checked_at timestamptz;
ALTER TABLE locations ADD COLUMN nsfw_checked_at timestamptz;
CREATE INDEX outfits_nsfw_pending ON outfits (id)
    WHERE active AND image_key IS NOT NULL AND nsfw_checked_at IS NULL;
CREATE INDEX locations_nsfw_pending ON locations (id)
    WHERE active AND image_key IS NOT NULL AND nsfw_checked_at IS NULL;

-- A new image is unchecked unless its writer records a verdict in the
-- same statement; a waiting image wakes the worker.
CREATE FUNCTION catalog_image_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.image_key IS DISTINCT FROM OLD.image_key
       AND NEW.nsfw_checked_at IS NOT DISTINCT FROM OLD.nsfw_checked_at THEN
        NEW.nsfw_checked_at := NULL;
    END IF;
    IF NEW.image_key IS NOT NULL AND NEW.nsfw_checked_at IS NULL
       AND NEW.active THEN
        PERFORM pg_notify('primerka_jobs', 'catalog');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER outfits_image_changed BEFORE INSERT OR UPDATE OF image_key
    ON outfits FOR EACH ROW EXECUTE FUNCTION catalog_image_changed();
CREATE TRIGGER locations_image_changed BEFORE INSERT OR UPDATE OF image_key
    ON locations FOR EACH ROW EXECUTE FUNCTION catalog_image_changed();
