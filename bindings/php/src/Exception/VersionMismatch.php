<?php

declare(strict_types=1);

namespace Libcs\Exception;

/** EVERSION: the database was written by a newer libcs, or needs an upgrade. */
class VersionMismatch extends LibcsException
{
}
