// Shared by the data tests.
import { expect } from "vitest";
import { DataError } from "../../src/data/index.js";

/** The DataError a load throws (fails the test when it does not throw one). */
export function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error("expected a DataError");
}
