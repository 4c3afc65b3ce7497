(globalThis as { __SSCL_TEST_RUNTIME?: string }).__SSCL_TEST_RUNTIME = 'node';
