#pragma once
#include <hdf5.h>

// HDF5's native type identifiers are macros over global variables that need H5open(); Swift cannot
// import them, so these functions hand them over.
static inline hid_t nabla_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t nabla_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t nabla_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t nabla_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t nabla_h5s_all(void) { return H5S_ALL; }
