/*===- CHeaderCheck.c - Runtime.h compiles as C99 ------------------------===//
 *
 * Part of the moe project.
 *
 *===----------------------------------------------------------------------===//
 *
 * Compiled as C99 with -pedantic-errors: the public runtime header must stay
 * usable from C. The functions report the C view of the header's types so
 * that a test can compare it with the C++ view.
 *
 *===----------------------------------------------------------------------===*/

#include "moe/Runtime/Runtime.h"

#include <stddef.h>

/* Not in the header: only the tests declare and call these. */
size_t moeTestTensorMapSizeFromC(void);
size_t moeTestTensorMapAlignFromC(void);
int moeTestLastStatusFromC(void);
int moeTestCallFromC(void);

size_t moeTestTensorMapSizeFromC(void) { return sizeof(MoeTensorMap); }

size_t moeTestTensorMapAlignFromC(void) {
  struct Probe {
    char c;
    MoeTensorMap map;
  };
  return offsetof(struct Probe, map);
}

int moeTestLastStatusFromC(void) { return (int)MOE_ERROR_NOT_INITIALIZED; }

/* Calls through the C declarations: a null output pointer is an invalid
 * argument whatever the host has. */
int moeTestCallFromC(void) {
  MoeStatus status = moeStreamCreate(NULL);
  return (int)status;
}
