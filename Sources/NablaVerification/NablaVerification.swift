// NablaVerification: is a derivative right, and how fast does it converge?
//
//   score(_:against:…)             a computed field against a reference (array or closure on a grid):
//                                  max abs / relative (Theano's) / relative L2 / RMS errors and where, the
//                                  numpy.allclose band, NaN/Inf handling, interior and edge separately.
//   ConvergenceStudy               errors at several resolutions → the observed order (least squares on
//                                  log error vs log h); one call for an analytic field through Nabla.
//   approximateGradient(of:at:…)   scipy.optimize.approx_fprime (forward or central differences).
//   checkGradient(of:gradient:…)   scipy.optimize.check_grad (all directions or a random one).
//   verifyGradient(of:…)           Theano's verify_grad: random projections, fails only when both the
//                                  absolute and the relative tolerance are exceeded.
//
// Every report is a value with an aligned `description` and `Codable` JSON (see `VerificationJSON`).
