/* Progressive enhancements; no inline handlers. */
