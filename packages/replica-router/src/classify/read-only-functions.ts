/**
 * Built-in PostgreSQL functions known never to write, take locks that outlive the statement, or change
 * session state. A statement calling any function outside this set (and outside the configured
 * `readOnlyFunctions`) is classified `write`, so this list errs on the side of leaving a function out.
 *
 * Deliberately absent, so they keep the statement on the primary:
 * - sequences: `nextval`, `setval`, and `currval`/`lastval` (their value depends on the session that called
 *   `nextval`, which is a primary connection);
 * - advisory locks (`pg_advisory_*`, `pg_try_advisory_*`), large objects (`lo_*`), `pg_notify`;
 * - transaction ids: `txid_current`, `pg_current_xact_id` (assign an xid: fail on a standby), and the snapshot
 *   functions (a replica's snapshot is not the primary's);
 * - `set_config`, `setseed` (session state), `pg_current_wal_lsn` and friends (fail on a standby),
 *   `pg_switch_wal`, `pg_terminate_backend`, `pg_cancel_backend`, `pg_reload_conf`, `pg_stat_reset*`;
 * - anything that runs SQL given as text (`query_to_xml`, `table_to_xml`, `dblink*`): the text is invisible.
 *
 * `pg_sleep`, `pg_sleep_for` and `pg_sleep_until` are included: they write nothing and run on a hot
 * standby, so a replica is as good a place to wait as the primary.
 *
 * Names are as the parser resolves unquoted identifiers (lower case) and without the `pg_catalog.` prefix.
 */
export const readOnlyFunctions: ReadonlySet<string> = new Set(
  [
    // aggregates
    'any_value array_agg avg bit_and bit_or bit_xor bool_and bool_or corr count covar_pop covar_samp',
    'every grouping json_agg json_agg_strict json_object_agg json_object_agg_strict',
    'json_object_agg_unique json_object_agg_unique_strict jsonb_agg jsonb_agg_strict jsonb_object_agg',
    'jsonb_object_agg_strict jsonb_object_agg_unique jsonb_object_agg_unique_strict max min mode',
    'percentile_cont percentile_disc range_agg range_intersect_agg regr_avgx regr_avgy regr_count',
    'regr_intercept regr_r2 regr_slope regr_sxx regr_sxy regr_syy stddev stddev_pop stddev_samp',
    'string_agg sum var_pop var_samp variance xmlagg',
    // window functions (rank & co. are also hypothetical-set aggregates)
    'cume_dist dense_rank first_value lag last_value lead nth_value ntile percent_rank rank row_number',
    // math
    'abs acos acosd acosh asin asind asinh atan atan2 atan2d atand atanh cbrt ceil ceiling cos cosd cosh',
    'cot cotd degrees div erf erfc exp factorial floor gamma gcd lcm lgamma ln log log10 min_scale mod pi',
    'pow power radians random random_normal round scale sign sin sind sinh sqrt tan tand tanh trim_scale',
    'trunc width_bucket',
    // conversions written as function calls
    'bool date float4 float8 int2 int4 int8 interval numeric text time timestamp timestamptz varchar',
    // strings and bytes
    'ascii bit_count bit_length btrim casefold char_length character_length chr concat concat_ws convert',
    'convert_from convert_to crc32 crc32c decode encode format get_bit get_byte initcap is_normalized',
    'left length lower lpad ltrim md5 normalize octet_length overlay parse_ident position quote_ident',
    'quote_literal quote_nullable regexp_count regexp_instr regexp_like regexp_match regexp_matches',
    'regexp_replace regexp_split_to_array regexp_split_to_table regexp_substr repeat replace reverse',
    'right rpad rtrim set_bit set_byte sha224 sha256 sha384 sha512 split_part starts_with string_to_array',
    'string_to_table strpos substr substring to_ascii to_bin to_hex to_oct translate unistr upper',
    // SQL-syntax forms the parser turns into calls (SIMILAR TO, SYSTEM_USER, XMLEXISTS)
    'similar_to_escape system_user xmlexists',
    // xml
    'xml_is_well_formed xml_is_well_formed_content xml_is_well_formed_document xmlcomment xmltext xpath',
    'xpath_exists',
    // formatting
    'to_char to_date to_number to_timestamp',
    // date and time
    'age clock_timestamp date_add date_bin date_part date_subtract date_trunc extract isfinite',
    'justify_days justify_hours justify_interval make_date make_interval make_time make_timestamp',
    'make_timestamptz now overlaps statement_timestamp timeofday timezone transaction_timestamp',
    // uuid
    'gen_random_uuid uuid_extract_timestamp uuid_extract_version uuidv4 uuidv7',
    // json and jsonb
    'array_to_json json_array_elements json_array_elements_text json_array_length json_build_array',
    'json_build_object json_each json_each_text json_extract_path json_extract_path_text json_object',
    'json_object_keys json_populate_record json_populate_recordset json_strip_nulls json_to_record',
    'json_to_recordset json_typeof jsonb_array_elements jsonb_array_elements_text jsonb_array_length',
    'jsonb_build_array jsonb_build_object jsonb_each jsonb_each_text jsonb_extract_path',
    'jsonb_extract_path_text jsonb_insert jsonb_object jsonb_object_keys jsonb_path_exists',
    'jsonb_path_exists_tz jsonb_path_match jsonb_path_match_tz jsonb_path_query jsonb_path_query_array',
    'jsonb_path_query_array_tz jsonb_path_query_first jsonb_path_query_first_tz jsonb_path_query_tz',
    'jsonb_populate_record jsonb_populate_record_valid jsonb_populate_recordset jsonb_pretty jsonb_set',
    'jsonb_set_lax jsonb_strip_nulls jsonb_to_record jsonb_to_recordset jsonb_typeof row_to_json to_json',
    'to_jsonb',
    // arrays and set-returning helpers
    'array_append array_cat array_dims array_fill array_length array_lower array_ndims array_position',
    'array_positions array_prepend array_remove array_replace array_reverse array_sample array_shuffle',
    'array_sort array_to_string array_upper cardinality generate_series generate_subscripts trim_array',
    'unnest',
    // ranges
    'daterange int4range int8range isempty lower_inc lower_inf multirange numrange range_merge tsrange',
    'tstzrange upper_inc upper_inf',
    // text search
    'array_to_tsvector numnode phraseto_tsquery plainto_tsquery querytree setweight strip to_tsquery',
    'to_tsvector ts_headline ts_rank ts_rank_cd tsvector_to_array websearch_to_tsquery',
    // network addresses
    'abbrev broadcast family host hostmask inet_merge inet_same_family masklen netmask network',
    'set_masklen',
    // null counting
    'num_nonnulls num_nulls',
    // session and server information (read on whichever server answers)
    'current_database current_query current_schema current_schemas current_setting inet_client_addr',
    'inet_client_port inet_server_addr inet_server_port pg_backend_pid pg_conf_load_time pg_jit_available',
    'pg_listening_channels pg_postmaster_start_time pg_trigger_depth version',
    // replication status, all valid on a standby
    'pg_get_wal_replay_pause_state pg_is_in_recovery pg_is_wal_replay_paused pg_last_wal_receive_lsn',
    'pg_last_wal_replay_lsn pg_last_xact_replay_timestamp pg_wal_lsn_diff',
    // privileges and catalog introspection
    'col_description format_type has_any_column_privilege has_column_privilege has_database_privilege',
    'has_foreign_data_wrapper_privilege has_function_privilege has_language_privilege',
    'has_parameter_privilege has_schema_privilege has_sequence_privilege has_server_privilege',
    'has_table_privilege has_tablespace_privilege has_type_privilege obj_description pg_collation_for',
    'pg_column_size pg_database_size pg_describe_object pg_function_is_visible pg_get_constraintdef',
    'pg_get_expr pg_get_function_arguments pg_get_function_identity_arguments pg_get_function_result',
    'pg_get_functiondef pg_get_indexdef pg_get_keywords pg_get_serial_sequence pg_get_triggerdef',
    'pg_get_userbyid pg_get_viewdef pg_has_role pg_identify_object pg_indexes_size pg_input_error_info',
    'pg_input_is_valid pg_relation_size pg_size_bytes pg_size_pretty pg_table_is_visible pg_table_size',
    'pg_total_relation_size pg_type_is_visible pg_typeof row_security_active shobj_description',
    'to_regclass to_regnamespace to_regproc to_regprocedure to_regrole to_regtype',
    // waiting (see the note above)
    'pg_sleep pg_sleep_for pg_sleep_until',
  ]
    .join(' ')
    .split(' '),
);
