<?php

declare(strict_types=1);

namespace Libcs\Tests;

use Libcs\Exception\AlreadyExists;
use Libcs\Exception\Conflict;
use Libcs\Exception\InvalidArgument;
use Libcs\Exception\LibcsException;
use Libcs\Exception\NotFound;
use Libcs\Exception\PermissionDenied;

final class ErrorsTest extends LibcsTestCase
{
    /**
     * Run $work and return what it threw.
     *
     * @param class-string<LibcsException> $class
     */
    private function thrown(string $class, callable $work): LibcsException
    {
        try {
            $work();
        } catch (LibcsException $e) {
            $this->assertSame($class, get_class($e), $e->getMessage());
            return $e;
        }
        $this->fail("no $class");
    }

    public function testEachStatusHasItsClassCodeMessageAndField(): void
    {
        $e = $this->thrown(NotFound::class, fn () => $this->db->ticketGet(id: 999));
        $this->assertSame(['ENOTFOUND', 'id', -2], [$e->getCodeName(), $e->getField(), $e->getCode()]);
        $this->assertStringContainsString('999', $e->getMessage());

        $identity = ['identities' => [['kind' => 'email', 'value' => 'kim@example.com']]];
        $kim = $this->db->customerCreate(['name' => 'Kim'] + $identity);
        $e = $this->thrown(AlreadyExists::class, fn () => $this->db->customerCreate(['name' => 'Kim 2'] + $identity));
        $this->assertSame(['EEXISTS', 'identities[0].value', -3], [$e->getCodeName(), $e->getField(), $e->getCode()]);

        $e = $this->thrown(InvalidArgument::class, fn () => $this->db->ticketList(colour: 'blue'));
        $this->assertSame(['EINVAL', 'colour', -4], [$e->getCodeName(), $e->getField(), $e->getCode()]);
        $e = $this->thrown(InvalidArgument::class, fn () => $this->db->call('ticket.frobnicate'));
        $this->assertSame('method', $e->getField());

        $ticket = $this->db->ticketCreate(subject: 'Call me', customer_id: $kim['id']);
        $e = $this->thrown(Conflict::class, fn () => $this->db->ticketUpdate(id: $ticket['id'], status: 'closed'));
        $this->assertSame(['ECONFLICT', 'status', -5], [$e->getCodeName(), $e->getField(), $e->getCode()]);

        $this->db->asCustomer($kim['id']);
        $e = $this->thrown(PermissionDenied::class, fn () => $this->db->agentCreate(name: 'Mallory'));
        $this->assertSame(['EPERM', -6], [$e->getCodeName(), $e->getCode()]);
    }

    public function testHandleFunctionsRaiseTheLibrarysError(): void
    {
        $e = $this->thrown(NotFound::class, fn () => $this->db->asAgent(4711));
        $this->assertSame('id', $e->getField());
        $this->assertStringContainsString('4711', $e->getMessage());
    }

    public function testEveryClassSharesTheBase(): void
    {
        foreach (['ENOTFOUND', 'EEXISTS', 'EINVAL', 'ECONFLICT', 'EPERM', 'EBUSY', 'ENOMEM', 'EDB',
                  'EVERSION', 'EREADONLY'] as $code) {
            $e = LibcsException::fromCode($code, 'm', 'f');
            $this->assertInstanceOf(LibcsException::class, $e);
            $this->assertNotSame(LibcsException::class, get_class($e), $code);
            $this->assertSame($code, $e->getCodeName());
        }
        $this->assertSame(LibcsException::class, get_class(LibcsException::fromCode('ERROR', 'm')));
    }
}
