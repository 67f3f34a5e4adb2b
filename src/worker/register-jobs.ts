/** Jobs contributed by other engine areas register here (one import per area). */
export {};
