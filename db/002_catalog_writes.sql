-- Catalogue writes by shop staff: an outfit or location is created first
-- (JSON) and gets its image in a second request, so image_key may be
-- NULL until then; such rows are not shown publicly.
ALTER TABLE outfits ALTER COLUMN image_key DROP NOT NULL;
ALTER TABLE locations ALTER COLUMN image_key DROP NOT NULL;
DROP INDEX outfits_active;
DROP INDEX locations_active;
CREATE INDEX outfits_public ON outfits (id) WHERE active AND image_key IS NOT NULL;
CREATE INDEX locations_public ON locations (id) WHERE active AND image_key IS NOT NULL;
CREATE INDEX events_outfit_kind ON events (outfit_id, kind, created_at);
