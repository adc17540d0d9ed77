#pragma once
#include <hdf5.h>
#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Everything below is compiled against the installed <hdf5.h>, so HDF5's version-dependent macros
// (H5Lvisit / H5L_info_t, the H5F_ACC_* flags, the native type identifiers) resolve here, in C, and
// Swift only sees plain functions. Only NablaFormats/HDF5.swift uses this module; it calls every
// function below while holding its process-wide HDF5 lock.

// HDF5's native type identifiers are macros over global variables that need H5open(); Swift cannot
// import them, so these functions hand them over.
static inline hid_t nabla_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t nabla_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
/// The native integer type of `bytes` bytes (1, 2, 4 or 8), signed when `is_signed` is non-zero.
static inline hid_t nabla_h5t_native_integer(int bytes, int is_signed) {
    switch (bytes) {
    case 1: return is_signed ? H5T_NATIVE_INT8 : H5T_NATIVE_UINT8;
    case 2: return is_signed ? H5T_NATIVE_INT16 : H5T_NATIVE_UINT16;
    case 4: return is_signed ? H5T_NATIVE_INT32 : H5T_NATIVE_UINT32;
    default: return is_signed ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64;
    }
}
static inline hid_t nabla_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t nabla_h5s_all(void) { return H5S_ALL; }
static inline hid_t nabla_h5e_default(void) { return H5E_DEFAULT; }
static inline hid_t nabla_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline unsigned nabla_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned nabla_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline unsigned nabla_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline hid_t nabla_h5p_link_access(void) { return H5P_LINK_ACCESS; }
static inline hid_t nabla_h5p_dataset_access(void) { return H5P_DATASET_ACCESS; }
static inline hid_t nabla_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }

/// A file access list for the temporary files NablaHDF5 creates and writes (private until renamed into
/// place), without HDF5's file lock: a process started while such a file is open inherits its descriptor,
/// and the lock, held by that copy, would outlive the file's closing and refuse every later reader of the
/// renamed file. The caller closes it with H5Pclose. Negative on failure.
static inline hid_t nabla_h5p_private_file_access(void) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return fapl;
    if (H5Pset_file_locking(fapl, 0, 1) < 0) {
        H5Pclose(fapl);
        return -1;
    }
    return fapl;
}
static inline hid_t nabla_h5p_group_access(void) { return H5P_GROUP_ACCESS; }

// MARK: External data

/// How many external links the refusing callback below has stopped since the last call (then reset).
/// Only read and written under NablaHDF5's process-wide lock.
static unsigned nabla_h5_refused_external_links = 0;

static inline herr_t nabla_h5_refuse_external_link(const char *parent_file, const char *parent_group,
                                                   const char *child_file, const char *child_object,
                                                   unsigned *flags, hid_t fapl, void *data) {
    (void)parent_file; (void)parent_group; (void)child_file; (void)child_object; (void)flags; (void)fapl; (void)data;
    nabla_h5_refused_external_links++;
    return -1;  // traversal fails: the other file is never opened
}

/// Makes every traversal through `plist` (a link, group or dataset access list) refuse external links.
static inline herr_t nabla_h5_refuse_external_links(hid_t plist) {
    return H5Pset_elink_cb(plist, nabla_h5_refuse_external_link, NULL);
}

static inline unsigned nabla_h5_take_refused_external_links(void) {
    unsigned n = nabla_h5_refused_external_links;
    nabla_h5_refused_external_links = 0;
    return n;
}

/// The type of the link `name` (relative to `loc`): H5L_TYPE_HARD, _SOFT, _EXTERNAL, or negative on failure.
/// For an external link, its target (`file` and `object`) is written into `target` as "file:/object".
static inline int nabla_h5_link_type(hid_t loc, const char *name, hid_t lapl, char *target, size_t size) {
    H5L_info_t info;
    if (size > 0) target[0] = 0;
    if (H5Lget_info(loc, name, &info, lapl) < 0) return -1;
    if (info.type == H5L_TYPE_EXTERNAL && size > 0 && info.u.val_size > 0 && info.u.val_size < 65536) {
        char *value = (char *)malloc(info.u.val_size);
        if (value && H5Lget_val(loc, name, value, info.u.val_size, lapl) >= 0) {
            const char *file = NULL, *object = NULL;
            unsigned flags = 0;
            if (H5Lunpack_elink_val(value, info.u.val_size, &flags, &file, &object) >= 0 && file && object)
                snprintf(target, size, "%s:%s", file, object);
        }
        free(value);
    }
    return (int)info.type;
}

/// The first external file of a dataset creation list with external storage, into `name` ("" if none).
static inline void nabla_h5_first_external_file(hid_t dcpl, char *name, size_t size) {
    if (size == 0) return;
    name[0] = 0;
    off_t offset = 0;
    hsize_t bytes = 0;
    if (H5Pget_external(dcpl, 0, size, name, &offset, &bytes) < 0) name[0] = 0;
    name[size - 1] = 0;
}

/// For a virtual dataset's creation list: 1 if some mapping takes data from another file than the
/// dataset's own ("."), writing that file's name into `name`; 0 if all mappings stay in the file;
/// negative on failure.
static inline int nabla_h5_virtual_source_outside(hid_t dcpl, char *name, size_t size) {
    size_t count = 0;
    if (size > 0) name[0] = 0;
    if (H5Pget_virtual_count(dcpl, &count) < 0) return -1;
    for (size_t i = 0; i < count; i++) {
        ssize_t n = H5Pget_virtual_filename(dcpl, i, name, size);
        if (n < 0) return -1;
        if (size > 0) name[size - 1] = 0;
        if (!(n == 1 && name[0] == '.')) return 1;
    }
    if (size > 0) name[0] = 0;
    return 0;
}

/// A new IEEE 754 binary16 type in native byte order (as h5py defines numpy's float16); close it
/// with H5Tclose. Negative on failure.
static inline hid_t nabla_h5t_create_float16(void) {
    hid_t t = H5Tcopy(H5T_NATIVE_FLOAT);
    if (t < 0) return t;
    if (H5Tset_fields(t, 15, 10, 5, 0, 10) < 0 || H5Tset_size(t, 2) < 0 || H5Tset_ebias(t, 15) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/// A new enum type over int8 with FALSE = 0 and TRUE = 1: how h5py stores numpy's bool.
static inline hid_t nabla_h5t_create_bool(void) {
    hid_t t = H5Tenum_create(H5T_NATIVE_INT8);
    if (t < 0) return t;
    signed char no = 0, yes = 1;
    if (H5Tenum_insert(t, "FALSE", &no) < 0 || H5Tenum_insert(t, "TRUE", &yes) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/// 1 if `t` is an enum over a 1-byte integer whose only members are FALSE = 0 and TRUE = 1 (h5py's bool).
static inline int nabla_h5t_is_bool(hid_t t) {
    if (H5Tget_class(t) != H5T_ENUM || H5Tget_size(t) != 1 || H5Tget_nmembers(t) != 2) return 0;
    signed char value = -1;
    int matched = 0;
    for (unsigned i = 0; i < 2; i++) {
        char *name = H5Tget_member_name(t, i);
        if (!name) return 0;
        if (H5Tget_member_value(t, i, &value) >= 0) {
            if ((strcmp(name, "FALSE") == 0 && value == 0) || (strcmp(name, "TRUE") == 0 && value == 1)) matched++;
        }
        H5free_memory(name);
    }
    return matched == 2;
}

/// h5py's complex type: a compound {r, i} of two native floats (`partSize` 4) or doubles (8), real part
/// first. The caller closes it with H5Tclose. Negative on failure.
static inline hid_t nabla_h5t_create_complex(int partSize) {
    hid_t part = partSize == 4 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
    hid_t t = H5Tcreate(H5T_COMPOUND, (size_t)(2 * partSize));
    if (t < 0) return t;
    if (H5Tinsert(t, "r", 0, part) < 0 || H5Tinsert(t, "i", (size_t)partSize, part) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/// The size (4 or 8) of each part if `t` is h5py's complex compound {r, i} of two floats of one size, else 0.
static inline int nabla_h5t_complex_part_size(hid_t t) {
    if (H5Tget_class(t) != H5T_COMPOUND || H5Tget_nmembers(t) != 2) return 0;
    size_t size = 0;
    for (unsigned i = 0; i < 2; i++) {
        char *name = H5Tget_member_name(t, i);
        if (!name) return 0;
        int named = strcmp(name, i == 0 ? "r" : "i") == 0;
        H5free_memory(name);
        if (!named || H5Tget_member_class(t, i) != H5T_FLOAT) return 0;
        hid_t member = H5Tget_member_type(t, i);
        if (member < 0) return 0;
        size_t s = H5Tget_size(member);
        H5Tclose(member);
        if ((s != 4 && s != 8) || (i == 1 && s != size)) return 0;
        size = s;
    }
    return (int)size;
}

typedef void (*nabla_h5_name_callback)(const char *name, void *context);

struct nabla_h5_visit_state {
    nabla_h5_name_callback callback;
    void *context;
};

static inline herr_t nabla_h5_visit_link(hid_t group, const char *name, const H5L_info_t *info, void *data) {
    struct nabla_h5_visit_state *state = (struct nabla_h5_visit_state *)data;
    // Hard links only: soft links may dangle, external links would open other files.
    if (info->type != H5L_TYPE_HARD) return 0;
    hid_t object = H5Oopen(group, name, H5P_DEFAULT);
    if (object < 0) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    H5I_type_t type = H5Iget_type(object);
    H5Oclose(object);
    if (type == H5I_DATASET) state->callback(name, state->context);
    return 0;
}

/// Calls `callback` with the path (relative to `group`, e.g. "g/d") of every dataset reachable from
/// `group` through hard links, in name order. Negative on failure.
static inline herr_t nabla_h5_visit_datasets(hid_t group, nabla_h5_name_callback callback, void *context) {
    struct nabla_h5_visit_state state = {callback, context};
    return H5Lvisit(group, H5_INDEX_NAME, H5_ITER_INC, nabla_h5_visit_link, &state);
}

struct nabla_h5_error_state {
    char *buffer;
    size_t size;
    unsigned count;
};

static inline herr_t nabla_h5_error_walk(unsigned n, const H5E_error2_t *error, void *data) {
    struct nabla_h5_error_state *state = (struct nabla_h5_error_state *)data;
    (void)n;
    if (!error || !error->desc || !error->desc[0] || state->count >= 3) return 0;
    size_t used = strlen(state->buffer);
    if (used + 3 >= state->size) return 0;
    if (used > 0) {
        snprintf(state->buffer + used, state->size - used, "; ");
        used += 2;
    }
    snprintf(state->buffer + used, state->size - used, "%s", error->desc);
    state->count++;
    return 0;
}

/// Writes the descriptions on the current error stack into `buffer` (most specific first, at most three,
/// separated by "; "), then clears the stack. `buffer` is always NUL-terminated.
static inline void nabla_h5_take_error_message(char *buffer, size_t size) {
    if (size == 0) return;
    buffer[0] = 0;
    struct nabla_h5_error_state state = {buffer, size, 0};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, nabla_h5_error_walk, &state);
    H5Eclear2(H5E_DEFAULT);
}


// MARK: Attributes

/// Whether `object` has the attribute `name`: 1 yes, 0 no, negative on failure. When it does, `type_class`
/// receives its type's class (H5T_INTEGER, H5T_FLOAT, H5T_STRING, …) and `count` its number of elements
/// (1 for a scalar dataspace, 0 for a null one).
static inline int nabla_h5_attribute_info(hid_t object, const char *name, int *type_class, hsize_t *count) {
    *type_class = -1;
    *count = 0;
    htri_t exists = H5Aexists(object, name);
    if (exists <= 0) return (int)exists;
    hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
    if (attribute < 0) return -1;
    hid_t type = H5Aget_type(attribute);
    hid_t space = H5Aget_space(attribute);
    int status = 1;
    if (type < 0 || space < 0) {
        status = -1;
    } else {
        *type_class = (int)H5Tget_class(type);
        hssize_t n = H5Sget_simple_extent_npoints(space);
        if (n < 0) status = -1; else *count = (hsize_t)n;
    }
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    H5Aclose(attribute);
    return status;
}

/// Reads the numeric (integer or float) attribute `name` of `object`, converted to double, into `out`,
/// which has room for `count` elements (its element count, from nabla_h5_attribute_info). Negative on failure.
static inline herr_t nabla_h5_read_attribute_doubles(hid_t object, const char *name, double *out, hsize_t count) {
    hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
    if (attribute < 0) return -1;
    hid_t space = H5Aget_space(attribute);
    herr_t status = -1;
    if (space >= 0 && H5Sget_simple_extent_npoints(space) == (hssize_t)count)
        status = H5Aread(attribute, H5T_NATIVE_DOUBLE, out);
    if (space >= 0) H5Sclose(space);
    H5Aclose(attribute);
    return status;
}

/// Copies element `index` of the string attribute `name` of `object` (fixed-length or variable-length, any
/// number of elements) into `buffer`, NUL-terminated and cut to `size - 1` bytes; fixed-length strings lose
/// their NUL or space padding. Negative on failure.
static inline herr_t nabla_h5_read_attribute_string(hid_t object, const char *name, hsize_t index, char *buffer, size_t size) {
    if (size == 0) return -1;
    buffer[0] = 0;
    hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
    if (attribute < 0) return -1;
    hid_t type = H5Aget_type(attribute);
    hid_t space = H5Aget_space(attribute);
    herr_t status = -1;
    hssize_t count = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (type >= 0 && H5Tget_class(type) == H5T_STRING && count > 0 && (hsize_t)count > index && count <= 65536) {
        if (H5Tis_variable_str(type) > 0) {
            char **strings = (char **)calloc((size_t)count, sizeof(char *));
            hid_t memory = H5Tcopy(H5T_C_S1);
            if (strings && memory >= 0 && H5Tset_size(memory, H5T_VARIABLE) >= 0
                && H5Tset_cset(memory, H5Tget_cset(type)) >= 0 && H5Aread(attribute, memory, strings) >= 0) {
                if (strings[index]) snprintf(buffer, size, "%s", strings[index]);
                status = 0;
                H5Dvlen_reclaim(memory, space, H5P_DEFAULT, strings);
            }
            if (memory >= 0) H5Tclose(memory);
            free(strings);
        } else {
            size_t width = H5Tget_size(type);
            if (width > 0 && width <= 65536) {
                char *all = (char *)calloc((size_t)count, width);
                if (all && H5Aread(attribute, type, all) >= 0) {
                    size_t n = width < size - 1 ? width : size - 1;
                    memcpy(buffer, all + index * width, n);
                    buffer[n] = 0;
                    for (size_t i = strnlen(buffer, n); i > 0 && buffer[i - 1] == ' '; i--) buffer[i - 1] = 0;
                    status = 0;
                }
                free(all);
            }
        }
    }
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    H5Aclose(attribute);
    return status;
}

// MARK: Dimension scales

struct nabla_h5ds_first_state {
    char *path;
    size_t path_size;
    char *name;
    size_t name_size;
    int failed;
};

static inline herr_t nabla_h5ds_take_first(hid_t dataset, unsigned dimension, hid_t scale, void *data) {
    (void)dataset; (void)dimension;
    struct nabla_h5ds_first_state *state = (struct nabla_h5ds_first_state *)data;
    // `scale` is closed by the library after this call: read what is needed now.
    if (H5Iget_name(scale, state->path, state->path_size) <= 0) state->failed = 1;
    if (state->name_size > 0) {
        if (H5DSget_scale_name(scale, state->name, state->name_size) < 0) {
            state->name[0] = 0;
            H5Eclear2(H5E_DEFAULT);
        }
        state->name[state->name_size - 1] = 0;
    }
    return 1;  // stop at the first scale
}

/// The number of dimension scales attached to dimension `dimension` of `dataset` (0 when none; negative on
/// failure). When there is at least one, the path of the first is written into `path` and its NAME attribute
/// into `name` (empty when it has none).
static inline int nabla_h5ds_first_scale(hid_t dataset, unsigned dimension, char *path, size_t path_size,
                                         char *name, size_t name_size) {
    if (path_size == 0) return -1;
    path[0] = 0;
    if (name_size > 0) name[0] = 0;
    int count = H5DSget_num_scales(dataset, dimension);
    if (count <= 0) return count;
    struct nabla_h5ds_first_state state = {path, path_size, name, name_size, 0};
    int index = 0;
    if (H5DSiterate_scales(dataset, dimension, &index, nabla_h5ds_take_first, &state) < 0 || state.failed) return -1;
    path[path_size - 1] = 0;
    return count;
}

/// The label of dimension `dimension` of `dataset` (h5py's `dims[k].label`) into `label` ("" when none).
static inline void nabla_h5ds_label(hid_t dataset, unsigned dimension, char *label, size_t size) {
    if (size == 0) return;
    label[0] = 0;
    if (H5DSget_label(dataset, dimension, label, size) < 0) {
        label[0] = 0;
        H5Eclear2(H5E_DEFAULT);
    }
    label[size - 1] = 0;
}
