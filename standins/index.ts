/**
 * Images for a Docker environment written straight into a registry, without Docker and without
 * Docker Hub: stand-ins of a version's services (busybox HTTP services, a database stand-in, a
 * frontend's static files) and the S3 API (versitygw). See standins/images.ts and standins/s3api.ts.
 */
export { busyboxBinary, staticElfProblem } from "./busybox";
export { type PushOptions, pushStandin, pushStandinImage, type StandinSpec, standinImage } from "./images";
export { type Pushed, registryBase } from "./oci";
export { pushS3Api, pushS3ApiImage, S3API_PORT, S3API_VERSION, s3ApiImage, versitygwBinary } from "./s3api";
