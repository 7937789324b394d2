<?php

declare(strict_types=1);

namespace Libcs\Exception;

/**
 * EINVAL: a request field (getField()) is missing, malformed or unknown; also an unknown
 * method (field "method") and a request that is not a JSON object (field "request").
 *
 * The binding raises it itself, before reaching the library, for what C cannot take
 * intact: a NUL byte in a path or a method name, text that is not UTF-8.
 */
class InvalidArgument extends LibcsException
{
}
