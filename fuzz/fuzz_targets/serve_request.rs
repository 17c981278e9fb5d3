#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lawful_fuzz::serve_request(data));
