-- /performance/signatures/ sends each signature as a sparse JSON object (optional members only when they carry
-- information, see perf/signatures/signatures-routes.ts). Building it on every read (seven to_json calls, two
-- arrays, the option collection's and the parent's hashes) took about 18 us per signature: 954 signatures of a
-- repository, 17 ms of the statement's 19. The object is built once, when a signature is written, and the
-- endpoint concatenates the stored texts. Ingestion only moves last_updated, which the text does not show.
ALTER TABLE performance_signature ADD COLUMN sparse_json text NULL;

-- The object in the reference's member order; strings through to_json, whose escapes are JSON.stringify's. NULL
-- while the option collection or the platform is not written yet (their foreign keys are deferred); the
-- endpoint then builds it with this function, and their insert triggers below store it.
CREATE FUNCTION performance_signature_sparse_json(s performance_signature) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN '{"id":' || s.id
    || ',"signature_hash":' || to_json(s.signature_hash)::text
    || ',"framework_id":' || s.framework_id
    || ',"option_collection_hash":'
    || to_json((SELECT oc.option_collection_hash FROM option_collection oc WHERE oc.id = s.option_collection_id))::text
    || ',"machine_platform":' || to_json((SELECT mp.platform FROM machine_platform mp WHERE mp.id = s.platform_id))::text
    || ',"suite":' || to_json(s.suite)::text
    || ',"should_alert":' || coalesce(s.should_alert::text, 'null')
    || CASE WHEN s.lower_is_better IS NOT TRUE THEN ',"lower_is_better":false' ELSE '' END
    || CASE WHEN s.test <> '' THEN ',"test":' || to_json(s.test)::text ELSE '' END
    || CASE WHEN s.application <> '' THEN ',"application":' || to_json(s.application)::text ELSE '' END
    || CASE WHEN s.has_subtests THEN ',"has_subtests":true' ELSE '' END
    || CASE WHEN s.tags <> '' THEN ',"tags":' || to_json(string_to_array(s.tags, ' '))::text ELSE '' END
    || CASE WHEN s.parent_signature_id IS NOT NULL THEN coalesce(',"parent_signature":' || to_json(nullif(
         (SELECT pp.signature_hash FROM performance_signature pp WHERE pp.id = s.parent_signature_id), ''))::text, '')
       ELSE '' END
    || CASE WHEN s.extra_options <> '' THEN ',"extra_options":' || to_json(string_to_array(s.extra_options, ' '))::text
       ELSE '' END
    || CASE WHEN s.measurement_unit <> '' THEN ',"measurement_unit":' || to_json(s.measurement_unit)::text ELSE '' END
    || '}';

-- A signature written, or a column the object shows changed (a direct write of the text too), takes its text.
CREATE FUNCTION performance_signature_sparse_json_set() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  NEW.sparse_json := performance_signature_sparse_json(NEW);
  RETURN NEW;
END
$$;

-- A row the texts of other signatures show (a parent's hash, an option collection's hash, a platform's name)
-- written or changed: those signatures take their text again (setting it to NULL runs the trigger above).
CREATE FUNCTION performance_signature_sparse_json_refresh() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'performance_signature' THEN
    UPDATE performance_signature s SET sparse_json = NULL WHERE s.parent_signature_id = NEW.id;
  ELSIF TG_TABLE_NAME = 'option_collection' THEN
    UPDATE performance_signature s SET sparse_json = NULL WHERE s.option_collection_id = NEW.id;
  ELSE
    UPDATE performance_signature s SET sparse_json = NULL WHERE s.platform_id = NEW.id;
  END IF;
  RETURN NULL;
END
$$;

UPDATE performance_signature s SET sparse_json = performance_signature_sparse_json(s);

CREATE TRIGGER performance_signature_sparse_json BEFORE INSERT OR UPDATE OF id, signature_hash, framework_id,
  option_collection_id, platform_id, suite, should_alert, lower_is_better, test, application, has_subtests, tags,
  parent_signature_id, extra_options, measurement_unit, sparse_json
  ON performance_signature FOR EACH ROW EXECUTE FUNCTION performance_signature_sparse_json_set();
-- A parent written after its children (deferred foreign key), or its hash changed.
CREATE TRIGGER performance_signature_sparse_json_parent AFTER INSERT OR UPDATE OF id, signature_hash
  ON performance_signature FOR EACH ROW EXECUTE FUNCTION performance_signature_sparse_json_refresh();
CREATE TRIGGER option_collection_sparse_json AFTER INSERT OR UPDATE OF id, option_collection_hash
  ON option_collection FOR EACH ROW EXECUTE FUNCTION performance_signature_sparse_json_refresh();
CREATE TRIGGER machine_platform_sparse_json AFTER INSERT OR UPDATE OF id, platform
  ON machine_platform FOR EACH ROW EXECUTE FUNCTION performance_signature_sparse_json_refresh();
