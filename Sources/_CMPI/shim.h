#pragma once
#include <mpi.h>

// Open MPI defines its handles as casts of the addresses of globals (`MPI_COMM_WORLD` is
// `OMPI_PREDEFINED_GLOBAL(MPI_Comm, ompi_mpi_comm_world)`); Swift imports none of them. These getters
// hand them over. Only NablaMPI/MPI.swift uses this module.

static inline MPI_Comm nabla_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm nabla_mpi_comm_null(void) { return MPI_COMM_NULL; }
static inline MPI_Datatype nabla_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype nabla_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype nabla_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype nabla_mpi_int(void) { return MPI_INT; }
static inline MPI_Datatype nabla_mpi_double_int(void) { return MPI_DOUBLE_INT; }
static inline MPI_Op nabla_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op nabla_mpi_max(void) { return MPI_MAX; }
static inline MPI_Op nabla_mpi_min(void) { return MPI_MIN; }
static inline MPI_Op nabla_mpi_maxloc(void) { return MPI_MAXLOC; }
static inline MPI_Info nabla_mpi_info_null(void) { return MPI_INFO_NULL; }
static inline void *nabla_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Status *nabla_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Status *nabla_mpi_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }
static inline MPI_Errhandler nabla_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline MPI_Request nabla_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_File nabla_mpi_file_null(void) { return MPI_FILE_NULL; }

/// The pair MPI_MAXLOC reduces over MPI_DOUBLE_INT.
struct nabla_mpi_double_int { double value; int index; };
